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
 * - every failed infograph has exactly one refund, every other infograph none.
 */
export async function checkLedger(dataSource: DataSource): Promise<LedgerProblem[]> {
  const balances = await dataSource.query<{ id: string; balance: number; ledger: string }[]>(
    `SELECT u.id, u.balance, COALESCE(SUM(l.amount), 0) AS ledger
       FROM users u LEFT JOIN credit_ledger l ON l.user_id = u.id
      GROUP BY u.id HAVING u.balance <> COALESCE(SUM(l.amount), 0)`,
  );
  const refunds = await dataSource.query<{ id: string; status: string; refunds: string }[]>(
    `SELECT i.id, i.status, COUNT(l.id) AS refunds
       FROM infographs i LEFT JOIN credit_ledger l ON l.infograph_id = i.id AND l.reason = 'refund'
      GROUP BY i.id
     HAVING (i.status = 'failed' AND COUNT(l.id) <> 1) OR (i.status <> 'failed' AND COUNT(l.id) <> 0)`,
  );
  return [
    ...balances.map((r) => ({
      userId: r.id,
      problem: `balance ${r.balance} but ledger sums to ${r.ledger}`,
    })),
    ...refunds.map((r) => ({
      infographId: r.id,
      problem: `${r.status} infograph has ${r.refunds} refund(s), expected ${r.status === 'failed' ? 1 : 0}`,
    })),
  ];
}
