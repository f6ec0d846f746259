import type { DataSource } from 'typeorm';

/** One broken promise about credits, described for a human. */
export interface LedgerProblem {
  userId?: string;
  infographId?: string;
  problem: string;
}

/**
 * Verifies the credit invariants over the whole database:
 * - every user's balance equals the sum of their ledger entries;
 * - every failed infograph has exactly one refund, of exactly what it was charged; every other
 *   infograph none.
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
