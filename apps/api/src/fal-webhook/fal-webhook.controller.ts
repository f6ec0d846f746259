import { Public } from '@app/auth';
import type { FalWebhookOutcome } from '@app/database';
import { skipRequestLog } from '@app/observability';
import { Controller, HttpCode, Param, Post, Query, RawBodyRequest, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { FalWebhookService, SignatureRejection } from './fal-webhook.service';

/**
 * fal.ai's callback: no user token. fal's ED25519 signature proves fal sent it; the token in the
 * URL proves it answers a request we made for this infograph.
 */
@Public()
@ApiTags('webhooks')
@Controller('api/infographs/webhook')
export class FalWebhookController {
  constructor(private readonly webhooks: FalWebhookService) {}

  @Post(':id')
  @HttpCode(200)
  async receive(
    @Param('id') id: string,
    @Query('token') token: unknown,
    @Req() request: RawBodyRequest<FastifyRequest>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ received: true; outcome: FalWebhookOutcome }> {
    try {
      // The raw bytes, not re-serialised JSON: the signature covers exactly what fal sent.
      return await this.webhooks.receive(id, token, request.rawBody, request.headers);
    } catch (error) {
      if (error instanceof SignatureRejection) {
        if (!error.recorded) {
          skipRequestLog(request);
        }
        if (error.retryAfterSeconds !== undefined) {
          void reply.header('retry-after', String(error.retryAfterSeconds));
        }
      }
      throw error;
    }
  }
}
