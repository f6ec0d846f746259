import type { DataSource } from 'typeorm';

/** One broken promise about credits, described for a human. */
export interface LedgerProblem {
  userId?: string;
  infographId?: string;
  /** A credit purchase (Stripe Checkout) whose grant or clawbacks are wrong. */
  purchaseId?: string;
  /** A Stripe payment (its Checkout Session id) credited more than once. */
  paymentReference?: string;
  problem: string;
}

/**
 * Verifies the credit invariants over the whole database:
 * - every user's balance equals the sum of their ledger entries;
 * - every failed infograph has exactly one refund, of exactly what it was charged; every other
 *   infograph none;
 * - every paid purchase (also when later refunded or disputed) has exactly one grant, of exactly
 *   its credits, and no other purchase one; no Stripe payment is granted twice; a purchase's
 *   clawbacks never exceed its grant and add up to what the purchase says was clawed back.
 */
export async function checkLedger(dataSource: DataSource): Promise<LedgerProblem[]> {
  const balances = await dataSource.query<{ id: string; balance: number; ledger: string }[]>(
    `SELECT u.id, u.balance, COALESCE(SUM(l.amount), 0) AS ledger
       FROM users u LEFT JOIN credit_ledger l ON l.user_id = u.id
      GROUP BY u.id HAVING u.balance <> COALESCE(SUM(l.amount), 0)`,
  );
  const refunds = await dataSource.query<
    { id: string; status: string; charged: number; refunds: string; refunded: string }[]
  >(
    `SELECT i.id, i.status, i.credits_charged AS charged, COUNT(l.id) AS refunds,
            COALESCE(SUM(l.amount), 0) AS refunded
       FROM infographs i LEFT JOIN credit_ledger l ON l.infograph_id = i.id AND l.reason = 'refund'
      GROUP BY i.id
     HAVING (i.status = 'failed' AND (COUNT(l.id) <> 1 OR SUM(l.amount) <> i.credits_charged))
         OR (i.status <> 'failed' AND COUNT(l.id) <> 0)`,
  );
  return [
    ...(await purchaseProblems(dataSource)),
    ...balances.map((r) => ({
      userId: r.id,
      problem: `balance ${r.balance} but ledger sums to ${r.ledger}`,
    })),
    ...refunds.map((r) => {
      const expected = r.status === 'failed' ? 1 : 0;
      return {
        infographId: r.id,
        problem:
          Number(r.refunds) === expected
            ? `${r.status} infograph was charged ${r.charged} but refunded ${r.refunded}`
            : `${r.status} infograph has ${r.refunds} refund(s), expected ${expected}`,
      };
    }),
  ];
}

/** Grants and clawbacks of credit purchases (see checkLedger). */
async function purchaseProblems(dataSource: DataSource): Promise<LedgerProblem[]> {
  const purchases = await dataSource.query<
    {
      id: string;
      status: string;
      credits: number;
      clawed: number;
      grants: string;
      granted: string;
      taken: string;
      strangers: string;
    }[]
  >(
    `SELECT p.id, p.status, p.credits, p.clawed_back_credits AS clawed,
            COUNT(l.id) FILTER (WHERE l.reason = 'purchase') AS grants,
            COALESCE(SUM(l.amount) FILTER (WHERE l.reason = 'purchase'), 0) AS granted,
            COALESCE(-SUM(l.amount) FILTER (WHERE l.reason = 'clawback'), 0) AS taken,
            COUNT(l.id) FILTER (WHERE l.user_id <> p.user_id) AS strangers
       FROM credit_purchases p LEFT JOIN credit_ledger l ON l.purchase_id = p.id
      GROUP BY p.id`,
  );
  const problems: LedgerProblem[] = [];
  for (const p of purchases) {
    const paid = ['paid', 'refunded', 'disputed'].includes(p.status);
    const [grants, granted, taken] = [Number(p.grants), Number(p.granted), Number(p.taken)];
    const add = (problem: string) => problems.push({ purchaseId: p.id, problem });
    if (grants !== (paid ? 1 : 0)) {
      add(`${p.status} purchase has ${grants} grant(s), expected ${paid ? 1 : 0}`);
    } else if (paid && granted !== p.credits) {
      add(`${p.status} purchase of ${p.credits} credits was granted ${granted}`);
    }
    if (taken > granted) {
      add(`clawbacks took ${taken} credits but the purchase granted ${granted}`);
    }
    if (taken !== p.clawed) {
      add(`clawbacks took ${taken} credits but the purchase records ${p.clawed}`);
    }
    if (Number(p.strangers) > 0) {
      add(`${p.strangers} ledger entr(ies) of this purchase belong to another user`);
    }
  }
  // One Stripe payment, one grant: two purchases may never share a Checkout Session.
  const sessions = await dataSource.query<{ session: string; grants: string }[]>(
    `SELECT p.stripe_session_id AS session, COUNT(l.id) AS grants
       FROM credit_purchases p JOIN credit_ledger l ON l.purchase_id = p.id AND l.reason = 'purchase'
      WHERE p.stripe_session_id IS NOT NULL
      GROUP BY p.stripe_session_id HAVING COUNT(l.id) > 1`,
  );
  const orphans = await dataSource.query<{ id: string; user_id: string; reason: string }[]>(
    `SELECT id, user_id, reason FROM credit_ledger
      WHERE reason IN ('purchase', 'clawback') AND purchase_id IS NULL`,
  );
  return [
    ...problems,
    ...sessions.map((s) => ({
      paymentReference: s.session,
      problem: `Stripe payment ${s.session} was granted ${s.grants} times, expected once`,
    })),
    ...orphans.map((o) => ({
      userId: o.user_id,
      problem: `${o.reason} ledger entry ${o.id} belongs to no purchase`,
    })),
  ];
}
