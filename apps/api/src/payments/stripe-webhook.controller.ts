import { Public } from '@app/auth';
import {
  StripeWebhookHandler,
  type StripeWebhookOutcome,
  type StripeWebhookResult,
} from '@app/payments';
import { Controller, HttpCode, Post, RawBodyRequest, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';

import { BalanceEvents } from './balance-events';
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

  @Post()
  @HttpCode(200)
  async receive(
    @Req() request: RawBodyRequest<FastifyRequest>,
  ): Promise<{ received: true; type: string; outcome: StripeWebhookOutcome }> {
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
