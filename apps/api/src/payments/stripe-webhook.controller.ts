import { Public } from '@app/auth';
import { StripeWebhookHandler, type StripeWebhookResult } from '@app/payments';
import { Controller, HttpCode, Post, RawBodyRequest, Req } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';

import { BalanceEvents } from './balance-events';
import { StripeWebhookResponse } from './dto/stripe-webhook.response';
import { paymentsHttpError } from './payment-errors';

/**
 * Stripe's events: no user token; the `Stripe-Signature` header, checked by the SDK over the raw
 * bytes, proves Stripe sent them. 2xx for every event recorded or ignored (Stripe stops), 400 for
 * a bad signature, 503 while purchases are off or the database is down (Stripe retries). A grant
 * or clawback is then announced to the buyer's open pages (`credits.updated`).
 */
@Public()
@ApiTags('webhooks')
@Controller('api/payments/stripe/webhook')
export class StripeWebhookController {
  constructor(
    private readonly handler: StripeWebhookHandler,
    private readonly balanceEvents: BalanceEvents,
  ) {}

  @ApiOperation({ summary: "Stripe's events (Stripe calls it; authenticated by its signature)" })
  @ApiHeader({
    name: 'stripe-signature',
    required: true,
    description: "Stripe's HMAC over the raw body, checked with STRIPE_WEBHOOK_SECRET",
  })
  @ApiOkResponse({ description: 'Recorded or ignored: Stripe stops', type: StripeWebhookResponse })
  @ApiResponse({ status: 400, description: 'invalid_signature' })
  @ApiResponse({ status: 503, description: 'purchases_disabled, or a store down: Stripe retries' })
  @Post()
  @HttpCode(200)
  async receive(@Req() request: RawBodyRequest<FastifyRequest>): Promise<StripeWebhookResponse> {
    let result: StripeWebhookResult;
    try {
      // The raw bytes (the same mechanism as fal's webhook: Nest's rawBody): the signature
      // covers exactly what Stripe sent, not a re-serialisation.
      result = await this.handler.receive(request.rawBody, request.headers['stripe-signature']);
    } catch (error) {
      throw paymentsHttpError(error);
    }
    if (result.balanceChangedFor) {
      await this.balanceEvents.publish(result.balanceChangedFor);
    }
    return { received: true, type: result.type, outcome: result.outcome };
  }
}
