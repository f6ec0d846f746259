import { timingSafeEqual } from 'node:crypto';

import { ApiTokensService, parseAuthorizationHeader } from '@app/auth';
import { AppConfig } from '@app/config';
import { QUEUE_NAMES } from '@app/queues';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BullBoardFastifyAdapter } from '@bull-board/fastify';
import { getQueueToken } from '@nestjs/bullmq';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import type { Queue } from 'bullmq';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const DASHBOARD_PATH = '/admin/queues';

/**
 * Bull Board at /admin/queues: all four queues with retry, clean and promote. Only for admins:
 * HTTP basic auth with ADMIN_USER/ADMIN_PASSWORD, or an admin user's API token. Without an
 * ADMIN_PASSWORD the dashboard is not mounted at all.
 */
@Injectable()
export class QueueDashboard implements OnModuleInit {
  private readonly logger = new Logger('QueueDashboard');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly moduleRef: ModuleRef,
    private readonly config: AppConfig,
    private readonly tokens: ApiTokensService,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.config.admin.password) {
      this.logger.log('Queue dashboard disabled: set ADMIN_PASSWORD to enable /admin/queues.');
      return;
    }
    const board = new BullBoardFastifyAdapter();
    board.setBasePath(DASHBOARD_PATH);
    createBullBoard({
      queues: QUEUE_NAMES.map(
        (name) =>
          new BullMQAdapter(this.moduleRef.get<Queue>(getQueueToken(name), { strict: false })),
      ),
      serverAdapter: board,
    });
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    // An encapsulated plugin, so the auth hook guards the dashboard's routes and nothing else.
    await fastify.register(async (scope) => {
      scope.addHook('onRequest', (request, reply) => this.authenticate(request, reply));
      await scope.register(board.registerPlugin(), { prefix: DASHBOARD_PATH });
    });
  }

  private async authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const header = request.headers.authorization ?? '';
    if (/^basic /i.test(header) && this.basicMatches(header.slice(6).trim())) {
      return;
    }
    if (/^(token|bearer) /i.test(header)) {
      const user = await this.tokens.authenticate(parseAuthorizationHeader(header) ?? '');
      if (user?.isAdmin) {
        return;
      }
    }
    await reply
      .code(401)
      .header('www-authenticate', 'Basic realm="ainfographic queues", charset="UTF-8"')
      .send({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'Admin credentials required for the queue dashboard.',
      });
  }

  private basicMatches(encoded: string): boolean {
    const expected = Buffer.from(`${this.config.admin.user}:${this.config.admin.password}`);
    const given = Buffer.from(Buffer.from(encoded, 'base64').toString('utf8'));
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
