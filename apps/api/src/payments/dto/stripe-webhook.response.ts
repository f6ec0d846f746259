import type { StripeWebhookOutcome } from '@app/payments';
import { ApiProperty } from '@nestjs/swagger';

const STRIPE_WEBHOOK_OUTCOMES = [
  'granted',
  'reversed',
  'recorded',
  'duplicate',
  'ignored',
] as const satisfies readonly StripeWebhookOutcome[];
// Fails to compile when libs/payments gains an outcome this list (and so the document) lacks.
const everyOutcomeListed: Exclude<
  StripeWebhookOutcome,
  (typeof STRIPE_WEBHOOK_OUTCOMES)[number]
>[] = [];
void everyOutcomeListed;

/** `POST /api/payments/stripe/webhook/`: what became of Stripe's event (for Stripe's dashboard). */
export class StripeWebhookResponse {
  @ApiProperty({ enum: [true] })
  received!: true;

  @ApiProperty({ example: 'checkout.session.completed', description: "Stripe's event type" })
  type!: string;

  @ApiProperty({ enum: STRIPE_WEBHOOK_OUTCOMES, example: 'granted' })
  outcome!: StripeWebhookOutcome;
}
