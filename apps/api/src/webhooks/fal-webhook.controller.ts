import { Public } from '@app/auth';
import type { WebhookOutcome } from '@app/database';
import { Controller, HttpCode, Param, Post, RawBodyRequest, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';

import { FalWebhookService } from './fal-webhook.service';

/** fal.ai's callback: no user token; its ED25519 signature is the authentication. */
@Public()
@ApiTags('webhooks')
@Controller('api/infographs/webhook')
export class FalWebhookController {
  constructor(private readonly webhooks: FalWebhookService) {}

  @Post(':id')
  @HttpCode(200)
  receive(
    @Param('id') id: string,
    @Req() request: RawBodyRequest<FastifyRequest>,
  ): Promise<{ received: true; outcome: WebhookOutcome }> {
    // The raw bytes, not re-serialised JSON: the signature covers exactly what fal sent.
    return this.webhooks.receive(id, request.rawBody, request.headers);
  }
}
