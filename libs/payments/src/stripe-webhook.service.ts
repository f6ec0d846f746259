import { AppConfig } from '@app/config';
import { Metrics } from '@app/observability';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { isUUID } from 'class-validator';
import Stripe from 'stripe';

import { PurchasesDisabledError } from './payments.errors';
import {
  AppliedReversal,
  PurchaseLedger,
  ReversalFacts,
  SessionFacts,
} from './purchase-ledger.service';
import { STRIPE } from './stripe-client';

/**
 * What a delivery did: `granted` a pack, `reversed` (clawed back after a refund or dispute),
 * `recorded` something that changes no balance yet, a `duplicate` of what was already done, or
 * `ignored` (not an event we act on, or not about one of our purchases).
 */
export type StripeWebhookOutcome = 'granted' | 'reversed' | 'recorded' | 'duplicate' | 'ignored';

/**
 * A delivery's result. `balanceChangedFor` names the user whose balance it changed (a grant, a
 * clawback), once the change is committed: the caller tells their open pages.
 */
export interface StripeWebhookResult {
  type: string;
  outcome: StripeWebhookOutcome;
  balanceChangedFor?: string;
}

/** What applying one event did (the type is added by `receive`). */
type Applied = Omit<StripeWebhookResult, 'type'>;

/** The `Stripe-Signature` header is missing, malformed, stale or not made with our secret. */
export class StripeSignatureError extends Error {}

/** The events we act on; every other type is answered 200 and ignored. */
const HANDLED = new Set([
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'checkout.session.expired',
  'charge.refunded',
  'charge.dispute.created',
]);

/**
 * Stripe's webhook: verify the signature over the raw body with the SDK, then apply the event
 * once. Everything is idempotent, so Stripe's retries, duplicates and out-of-order deliveries
 * change nothing more; an error (our outage) propagates, so the api answers 5xx and Stripe
 * delivers again.
 */
@Injectable()
export class StripeWebhookHandler {
  private readonly logger = new Logger('StripeWebhook');

  constructor(
    private readonly config: AppConfig,
    @Inject(STRIPE) private readonly stripe: Stripe | null,
    private readonly ledger: PurchaseLedger,
    private readonly metrics: Metrics,
  ) {}

  async receive(
    rawBody: Buffer | undefined,
    signature: string | string[] | undefined,
  ): Promise<StripeWebhookResult> {
    const secret = this.config.payments.webhookSecret;
    if (this.stripe === null || secret === undefined) {
      throw new PurchasesDisabledError();
    }
    let event: Stripe.Event;
    try {
      event = this.stripe.webhooks.constructEvent(
        rawBody ?? Buffer.alloc(0),
        signature ?? '',
        secret,
      );
    } catch (error) {
      this.metrics.stripeWebhookEvents.inc({ type: 'unknown', outcome: 'invalid_signature' });
      throw new StripeSignatureError(`Stripe signature rejected: ${(error as Error).message}`);
    }
    const applied = await this.apply(event);
    this.metrics.stripeWebhookEvents.inc({
      type: HANDLED.has(event.type) ? event.type : 'other',
      outcome: applied.outcome,
    });
    return { type: event.type, ...applied };
  }

  private async apply(event: Stripe.Event): Promise<Applied> {
    // Ifs, not a switch: Stripe has hundreds of event types and we act on six.
    if (
      event.type === 'checkout.session.completed' ||
      event.type === 'checkout.session.async_payment_succeeded'
    ) {
      return this.onSessionPaymentNews(event.data.object, event.type);
    }
    if (
      event.type === 'checkout.session.async_payment_failed' ||
      event.type === 'checkout.session.expired'
    ) {
      const facts = await this.sessionFacts(event.data.object);
      if (!facts) {
        return { outcome: 'ignored' };
      }
      const ended = event.type === 'checkout.session.expired' ? 'expired' : 'failed';
      return {
        outcome: (await this.ledger.end(facts.purchaseId, ended)) ? 'recorded' : 'duplicate',
      };
    }
    if (event.type === 'charge.refunded') {
      const charge = event.data.object;
      const paymentIntentId = idOf(charge.payment_intent);
      return paymentIntentId
        ? this.reverse({
            kind: 'refund',
            // The running total makes each step of a charge's refunds its own reference.
            reference: `refund:${charge.id}:${charge.amount_refunded}`,
            paymentIntentId,
            chargeId: charge.id,
            amount: charge.amount_refunded,
            currency: charge.currency,
            receiptUrl: charge.receipt_url ?? null,
          })
        : { outcome: 'ignored' };
    }
    if (event.type === 'charge.dispute.created') {
      const dispute = event.data.object;
      const paymentIntentId = idOf(dispute.payment_intent);
      return paymentIntentId
        ? this.reverse({
            kind: 'dispute',
            reference: `dispute:${dispute.id}`,
            paymentIntentId,
            chargeId: idOf(dispute.charge),
            amount: dispute.amount,
            currency: dispute.currency,
            receiptUrl: null,
          })
        : { outcome: 'ignored' };
    }
    return { outcome: 'ignored' };
  }

  /** `completed` grants when paid (cards); a bank debit is paid later, by `async_payment_succeeded`. */
  private async onSessionPaymentNews(
    session: Stripe.Checkout.Session,
    type: 'checkout.session.completed' | 'checkout.session.async_payment_succeeded',
  ): Promise<Applied> {
    const facts = await this.sessionFacts(session);
    if (!facts) {
      return { outcome: 'ignored' };
    }
    if (type === 'checkout.session.completed' && session.payment_status !== 'paid') {
      return { outcome: (await this.ledger.awaitPayment(facts)) ? 'recorded' : 'duplicate' };
    }
    const outcome = await this.ledger.pay(facts);
    if (outcome.kind === 'duplicate') {
      return { outcome: 'duplicate' };
    }
    const { purchase } = outcome;
    this.metrics.purchasesPaid.inc();
    this.metrics.purchasedCredits.inc(purchase.credits);
    this.logger.log(
      `purchase ${purchase.id} paid: ${purchase.credits} credits to user ${purchase.userId} (${purchase.packId}, ${facts.sessionId})`,
    );
    outcome.reversals.forEach((r) => this.report(r));
    return { outcome: 'granted', balanceChangedFor: purchase.userId };
  }

  private async reverse(facts: ReversalFacts): Promise<Applied> {
    const outcome = await this.ledger.reverse(facts);
    if (outcome.kind === 'reversed') {
      this.report(outcome.applied);
      // Everything already spent: the clawback took nothing, the balance is as it was.
      return outcome.applied.clawedBack > 0
        ? { outcome: 'reversed', balanceChangedFor: outcome.applied.userId }
        : { outcome: 'reversed' };
    }
    if (outcome.kind === 'recorded') {
      this.logger.log(
        `${facts.kind} ${facts.reference} recorded; no paid purchase has ${facts.paymentIntentId} yet (applied if one is paid)`,
      );
    }
    return { outcome: outcome.kind };
  }

  /** Logs and counts a clawback; what could not be clawed back is for an operator. */
  private report(r: AppliedReversal): void {
    this.metrics.clawedBackCredits.inc({ kind: r.kind }, r.clawedBack);
    this.logger.log(
      `${r.kind} ${r.reference} of purchase ${r.purchaseId}: clawed back ${r.clawedBack} credits from user ${r.userId}`,
    );
    if (r.unrecovered > 0) {
      this.metrics.unrecoveredCredits.inc({ kind: r.kind }, r.unrecovered);
      this.logger.warn(
        `${r.kind} ${r.reference} of purchase ${r.purchaseId}: ${r.unrecovered} credits already spent by user ${r.userId}, not clawed back; flagged for an operator (credit_purchases.unrecovered_credits)`,
      );
    }
  }

  /** The purchase a session's event is about, or undefined when it is not one of ours. */
  private async sessionFacts(session: Stripe.Checkout.Session): Promise<SessionFacts | undefined> {
    const named = session.metadata?.purchase_id;
    const purchase = await this.ledger.purchaseFor({
      purchaseId: isUUID(named) ? named : undefined,
      sessionId: session.id,
    });
    if (!purchase) {
      // Another app on the same Stripe account, or another environment's test purchase.
      this.logger.log(`session ${session.id} names no purchase of ours; ignored`);
      return undefined;
    }
    return {
      purchaseId: purchase.id,
      sessionId: session.id,
      paymentIntentId: idOf(session.payment_intent),
    };
  }
}

/** Stripe fields that hold an id, or the object itself when expanded. */
function idOf(value: string | { id: string } | null | undefined): string | null {
  if (typeof value === 'string') {
    return value;
  }
  return value?.id ?? null;
}
