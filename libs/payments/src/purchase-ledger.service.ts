import { CreditsService } from '@app/credits';
import { CreditPurchase, CreditPurchaseReversal, type ReversalKind } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull } from 'typeorm';

import { creditsToReverse } from './reversal-policy';

/** What Stripe's event said about a Checkout Session, as far as a purchase is concerned. */
export interface SessionFacts {
  purchaseId: string;
  sessionId: string;
  paymentIntentId: string | null;
}

/** What Stripe's event said about a refund or a dispute. */
export interface ReversalFacts {
  kind: ReversalKind;
  /** Unique per refund step or dispute, whatever Stripe redelivers. */
  reference: string;
  paymentIntentId: string;
  chargeId: string | null;
  amount: number;
  currency: string;
  receiptUrl: string | null;
}

/** One reversal applied to a purchase: what was clawed back and what was already spent. */
export interface AppliedReversal {
  purchaseId: string;
  userId: string;
  kind: ReversalKind;
  reference: string;
  clawedBack: number;
  unrecovered: number;
}

export type PaymentOutcome =
  | { kind: 'granted'; purchase: CreditPurchase; reversals: AppliedReversal[] }
  | { kind: 'duplicate' };

export type ReversalOutcome =
  { kind: 'reversed'; applied: AppliedReversal } | { kind: 'recorded' } | { kind: 'duplicate' };

/**
 * The money side of purchases, each change one transaction: a paid session grants its pack once,
 * a refund or dispute claws back once. "Once" is the database's: the grant's and each clawback's
 * ledger reference is unique, and a reversal is recorded under a unique reference before it is
 * applied. Events for one payment take a lock on its PaymentIntent first, so a refund racing its
 * own payment's event is applied by whichever commits second.
 */
@Injectable()
export class PurchaseLedger {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly credits: CreditsService,
  ) {}

  /** The purchase a session's metadata names, if it is ours and for this session. */
  async purchaseFor(session: { purchaseId?: string; sessionId: string }) {
    const repo = this.dataSource.getRepository(CreditPurchase);
    const purchase = session.purchaseId
      ? await repo.findOneBy({ id: session.purchaseId })
      : await repo.findOneBy({ stripeSessionId: session.sessionId });
    if (!purchase) {
      return undefined;
    }
    // Only we make sessions for our purchases; another session naming this one is not its payment.
    return purchase.stripeSessionId === null || purchase.stripeSessionId === session.sessionId
      ? purchase
      : undefined;
  }

  /**
   * The session is paid: grant the pack's credits (as recorded at checkout) once, and apply any
   * refund or dispute of this payment that arrived before this event did.
   */
  pay(facts: SessionFacts): Promise<PaymentOutcome> {
    return this.dataSource.transaction(async (m) => {
      await lockPayment(m, facts.paymentIntentId);
      const purchase = await lockPurchase(m, facts.purchaseId);
      const granted = await this.credits.grantPurchase(m, purchase);
      if (!granted) {
        return { kind: 'duplicate' };
      }
      await m.query(
        `UPDATE credit_purchases
            SET status = 'paid', paid_at = now(), updated_at = now(),
                stripe_session_id = COALESCE(stripe_session_id, $2),
                stripe_payment_intent_id = COALESCE(stripe_payment_intent_id, $3)
          WHERE id = $1`,
        [purchase.id, facts.sessionId, facts.paymentIntentId],
      );
      const paid: CreditPurchase = {
        ...purchase,
        status: 'paid',
        stripeSessionId: purchase.stripeSessionId ?? facts.sessionId,
        stripePaymentIntentId: purchase.stripePaymentIntentId ?? facts.paymentIntentId,
      };
      const waiting = paid.stripePaymentIntentId
        ? await m.getRepository(CreditPurchaseReversal).find({
            where: { stripePaymentIntentId: paid.stripePaymentIntentId, appliedAt: IsNull() },
            order: { receivedAt: 'ASC' },
          })
        : [];
      const reversals: AppliedReversal[] = [];
      for (const reversal of waiting) {
        reversals.push(await this.apply(m, paid.id, reversal));
      }
      return { kind: 'granted', purchase: paid, reversals };
    });
  }

  /**
   * Checkout completed but the money is not there yet (a bank debit): remember the session and
   * its PaymentIntent; `async_payment_succeeded` grants later. Returns whether anything changed.
   */
  async awaitPayment(facts: SessionFacts): Promise<boolean> {
    const result = await this.dataSource.query<unknown[]>(
      `UPDATE credit_purchases
          SET stripe_session_id = COALESCE(stripe_session_id, $2),
              stripe_payment_intent_id = COALESCE(stripe_payment_intent_id, $3),
              updated_at = now()
        WHERE id = $1
          AND (stripe_session_id IS NULL OR (stripe_payment_intent_id IS NULL AND $3::varchar IS NOT NULL))
        RETURNING id`,
      [facts.purchaseId, facts.sessionId, facts.paymentIntentId],
    );
    return rowsOf(result) > 0;
  }

  /** The session expired, or its bank debit failed: a still-pending purchase ends unpaid. */
  async end(purchaseId: string, status: 'expired' | 'failed'): Promise<boolean> {
    const result = await this.dataSource.query<unknown[]>(
      `UPDATE credit_purchases SET status = $2, updated_at = now()
        WHERE id = $1 AND status = 'pending' RETURNING id`,
      [purchaseId, status],
    );
    return rowsOf(result) > 0;
  }

  /**
   * A refund or dispute: recorded once under its reference, then applied to its purchase if that
   * is paid; otherwise (the payment's own event has not come yet, or it is not ours) it waits,
   * and `pay` applies it.
   */
  reverse(facts: ReversalFacts): Promise<ReversalOutcome> {
    return this.dataSource.transaction(async (m) => {
      await lockPayment(m, facts.paymentIntentId);
      const inserted = await m.query<{ id: string }[]>(
        `INSERT INTO credit_purchase_reversals
           (reference, kind, stripe_payment_intent_id, stripe_charge_id, amount, currency)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (reference) DO NOTHING
         RETURNING id`,
        [
          facts.reference,
          facts.kind,
          facts.paymentIntentId,
          facts.chargeId,
          facts.amount,
          facts.currency,
        ],
      );
      const purchase = await m
        .getRepository(CreditPurchase)
        .findOne({ where: { stripePaymentIntentId: facts.paymentIntentId }, lock: LOCK });
      if (purchase && facts.receiptUrl && purchase.receiptUrl !== facts.receiptUrl) {
        await m
          .getRepository(CreditPurchase)
          .update({ id: purchase.id }, { receiptUrl: facts.receiptUrl });
      }
      if (inserted.length === 0) {
        return { kind: 'duplicate' };
      }
      if (!purchase || !isGranted(purchase)) {
        return { kind: 'recorded' };
      }
      const reversal = await m
        .getRepository(CreditPurchaseReversal)
        .findOneByOrFail({ id: inserted[0].id });
      return { kind: 'reversed', applied: await this.apply(m, purchase.id, reversal) };
    });
  }

  /**
   * Claws back what this reversal adds to the purchase's total (creditsToReverse), as far as the
   * balance allows; what was already spent is recorded as unrecovered, for an operator.
   */
  private async apply(
    m: EntityManager,
    purchaseId: string,
    reversal: CreditPurchaseReversal,
  ): Promise<AppliedReversal> {
    const purchase = await lockPurchase(m, purchaseId);
    const earlier = await m
      .getRepository(CreditPurchaseReversal)
      .findBy({ purchaseId: purchase.id });
    const target = creditsToReverse(
      purchase,
      [...earlier, reversal].map((r) => ({
        kind: r.kind,
        chargeId: r.stripeChargeId,
        amount: r.amount,
      })),
    );
    const due = Math.max(0, target - purchase.clawedBackCredits - purchase.unrecoveredCredits);
    const clawedBack =
      due > 0
        ? await this.credits.clawBack(m, {
            userId: purchase.userId,
            purchaseId: purchase.id,
            upTo: due,
            reference: `clawback:${reversal.id}`,
            note: `${reversal.kind} ${reversal.reference}`,
          })
        : 0;
    const unrecovered = due - clawedBack;
    await m.query(
      `UPDATE credit_purchase_reversals
          SET purchase_id = $2, credits_clawed_back = $3, credits_unrecovered = $4, applied_at = now()
        WHERE id = $1`,
      [reversal.id, purchase.id, clawedBack, unrecovered],
    );
    // A dispute outranks a refund in what the purchase says, whatever order they came in.
    await m.query(
      `UPDATE credit_purchases
          SET clawed_back_credits = clawed_back_credits + $2,
              unrecovered_credits = unrecovered_credits + $3,
              status = CASE WHEN $4 = 'dispute' OR status = 'disputed' THEN 'disputed' ELSE 'refunded' END,
              updated_at = now()
        WHERE id = $1`,
      [purchase.id, clawedBack, unrecovered, reversal.kind],
    );
    return {
      purchaseId: purchase.id,
      userId: purchase.userId,
      kind: reversal.kind,
      reference: reversal.reference,
      clawedBack,
      unrecovered,
    };
  }
}

const LOCK = { mode: 'pessimistic_write' } as const;

function isGranted(purchase: CreditPurchase): boolean {
  return ['paid', 'refunded', 'disputed'].includes(purchase.status);
}

async function lockPurchase(m: EntityManager, id: string): Promise<CreditPurchase> {
  return m.getRepository(CreditPurchase).findOneOrFail({ where: { id }, lock: LOCK });
}

/**
 * Serialises every event about one payment (its grant, its refunds and disputes) across api
 * processes, for this transaction: without it a refund recorded while its payment is being
 * granted could be seen by neither.
 */
async function lockPayment(m: EntityManager, paymentIntentId: string | null): Promise<void> {
  if (paymentIntentId) {
    await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
      `stripe-payment:${paymentIntentId}`,
    ]);
  }
}

/** TypeORM answers an UPDATE through `query` as [rows, affected count]. */
function rowsOf(result: unknown): number {
  return Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
}
