import { Public } from '@app/auth';
import { skipRequestLog } from '@app/observability';
import { Controller, HttpCode, Param, Post, Query, RawBodyRequest, Req, Res } from '@nestjs/common';
import {
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { FalWebhookResponse } from './fal-webhook.response';
import { FalWebhookService, SignatureRejection } from './fal-webhook.service';

const SIGNED = { required: true, schema: { type: 'string' } };

/**
 * fal.ai's callback: no user token. fal's ED25519 signature proves fal sent it; the token in the
 * URL proves it answers a request we made for this infograph.
 */
@Public()
@ApiTags('webhooks')
@Controller('api/infographs/webhook')
export class FalWebhookController {
  constructor(private readonly webhooks: FalWebhookService) {}

  @ApiOperation({
    summary: "fal.ai's result callback (fal calls it; authenticated by fal's ED25519 signature)",
  })
  @ApiHeader({ name: 'x-fal-webhook-request-id', description: "fal's request id", ...SIGNED })
  @ApiHeader({ name: 'x-fal-webhook-user-id', description: 'Our fal user id', ...SIGNED })
  @ApiHeader({ name: 'x-fal-webhook-timestamp', description: 'Unix seconds', ...SIGNED })
  @ApiHeader({
    name: 'x-fal-webhook-signature',
    description: 'ED25519 over request id, user id, timestamp and the body hash (hex)',
    ...SIGNED,
  })
  @ApiQuery({
    name: 'token',
    required: true,
    description: 'The HMAC of the infograph id we put in the webhook URL we gave fal',
  })
  @ApiOkResponse({
    description: 'Recorded (also duplicates and orphans)',
    type: FalWebhookResponse,
  })
  @ApiResponse({ status: 400, description: 'Not a fal webhook body' })
  @ApiResponse({ status: 401, description: 'Signature rejected' })
  @ApiResponse({ status: 404, description: 'No such infograph' })
  @ApiResponse({ status: 409, description: 'The signed request id is not the body’s' })
  @ApiResponse({
    status: 503,
    description:
      "fal's keys cannot be fetched, or the infograph is not submitted yet: deliver again",
  })
  @Post(':id')
  @HttpCode(200)
  async receive(
    @Param('id') id: string,
    @Query('token') token: unknown,
    @Req() request: RawBodyRequest<FastifyRequest>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<FalWebhookResponse> {
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
