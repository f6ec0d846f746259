import type { ReversalKind } from '@app/database';

/** What one refund or dispute event said about the money of a purchase's payment. */
export interface ReversalAmount {
  kind: ReversalKind;
  /** The refunded charge (a refund's amount is that charge's running total). */
  chargeId: string | null;
  /** Smallest currency unit: refunded so far on the charge, or the disputed sum. */
  amount: number;
}

/**
 * How many of a purchase's credits its refunds and disputes take back in all: in proportion to
 * the money returned or disputed, rounded up (credits bought with money that went back are never
 * kept), at most the pack. A charge's refund events each carry its running total, so only the
 * highest counts, whatever order they came in; each dispute counts once.
 */
export function creditsToReverse(
  purchase: { credits: number; price: number },
  reversals: ReversalAmount[],
): number {
  const refundedByCharge = new Map<string, number>();
  let disputed = 0;
  for (const r of reversals) {
    if (r.kind === 'refund') {
      const charge = r.chargeId ?? '';
      refundedByCharge.set(charge, Math.max(refundedByCharge.get(charge) ?? 0, r.amount));
    } else {
      disputed += r.amount;
    }
  }
  const refunded = [...refundedByCharge.values()].reduce((sum, a) => sum + a, 0);
  const money = Math.min(purchase.price, Math.max(0, refunded + disputed));
  return Math.min(purchase.credits, Math.ceil((purchase.credits * money) / purchase.price));
}
