import { timingSafeEqual } from 'node:crypto';

import { ApiTokensService, MalformedAuthorizationError, parseAuthorizationHeader } from '@app/auth';
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

import { AdminLoginThrottle, LoginKind } from './admin-login-throttle';

export const DASHBOARD_PATH = '/admin/queues';

/** What the request's credentials turned out to be. */
type Login = { kind: 'none' } | { kind: LoginKind; ok: boolean };

/**
 * Bull Board at /admin/queues: all six queues, read-only unless ADMIN_QUEUE_ACTIONS (then retry,
 * clean, empty, obliterate, add, promote; Bull Board itself refuses them on a read-only queue, 405).
 * Only for admins: HTTP basic auth with ADMIN_USER/ADMIN_PASSWORD, or an admin user's API token,
 * failed logins throttled (AdminLoginThrottle). Without an ADMIN_PASSWORD it is not mounted at all.
 */
@Injectable()
export class QueueDashboard implements OnModuleInit {
  private readonly logger = new Logger('QueueDashboard');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly moduleRef: ModuleRef,
    private readonly config: AppConfig,
    private readonly tokens: ApiTokensService,
    private readonly throttle: AdminLoginThrottle,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.config.admin.password) {
      this.logger.log('Queue dashboard disabled: set ADMIN_PASSWORD to enable /admin/queues.');
      return;
    }
    const board = new BullBoardFastifyAdapter();
    board.setBasePath(DASHBOARD_PATH);
    const readOnlyMode = !this.config.admin.queueActions;
    createBullBoard({
      queues: QUEUE_NAMES.map(
        (name) =>
          new BullMQAdapter(this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }), {
            readOnlyMode,
          }),
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
    const login = await this.check(request.headers.authorization ?? '');
    if (login.kind !== 'none') {
      let waitSeconds: number;
      try {
        waitSeconds = login.ok
          ? await this.throttle.lockedFor(request.ip, login.kind)
          : await this.throttle.recordFailure(request.ip, login.kind);
      } catch (error) {
        // Fails closed: without Redis the dashboard has nothing to show anyway.
        this.logger.warn(`login throttle not checked: ${(error as Error).message}`);
        return this.refuse(reply, 503, 'The queue dashboard is unavailable; retry shortly.', 5);
      }
      if (waitSeconds > 0) {
        return this.refuse(
          reply,
          429,
          `Too many failed logins to the queue dashboard. Retry after ${waitSeconds} seconds.`,
          waitSeconds,
        );
      }
      if (login.ok) {
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

  /** Basic auth against ADMIN_USER/ADMIN_PASSWORD, or an admin user's API token. */
  private async check(header: string): Promise<Login> {
    if (/^basic /i.test(header)) {
      return { kind: 'password', ok: this.basicMatches(header.slice(6).trim()) };
    }
    if (!/^(token|bearer)\b/i.test(header)) {
      return { kind: 'none' };
    }
    try {
      const user = await this.tokens.authenticate(parseAuthorizationHeader(header) ?? '');
      return { kind: 'token', ok: user?.isAdmin === true };
    } catch (error) {
      // `Token a b` and the like: a failed login like any other, not a 500.
      if (error instanceof MalformedAuthorizationError) {
        return { kind: 'token', ok: false };
      }
      throw error;
    }
  }

  private async refuse(
    reply: FastifyReply,
    statusCode: 429 | 503,
    message: string,
    retryAfterSeconds: number,
  ): Promise<void> {
    await reply
      .code(statusCode)
      .header('retry-after', String(retryAfterSeconds))
      .send({
        statusCode,
        error: statusCode === 429 ? 'Too Many Requests' : 'Service Unavailable',
        message,
      });
  }

  private basicMatches(encoded: string): boolean {
    const expected = Buffer.from(`${this.config.admin.user}:${this.config.admin.password}`);
    const given = Buffer.from(Buffer.from(encoded, 'base64').toString('utf8'));
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
