// The ledger check must catch what it promises about purchases: one grant per paid purchase (of
// exactly its credits), none for unpaid ones, no Stripe payment granted twice, clawbacks within
// the grant and equal to what the purchase records. Like test/e2e/ledger.e2e-spec.ts, the
// breakages go into a scratch database of their own (checkLedger reads a whole database), and
// where the schema itself refuses a breakage, the test shows that first and then takes the guard
// away to prove the check would still see it.
import { randomUUID } from 'node:crypto';

import { checkLedger } from '@app/credits';
import { scratchDatabase } from '../support/scratch-database';

describe('the ledger check on purchases, on a scratch database broken on purpose', () => {
  const { db } = scratchDatabase('purchase_check');

  const aUser = async (): Promise<string> =>
    (
      await db().query<{ id: string }[]>(`INSERT INTO users (email) VALUES ($1) RETURNING id`, [
        `check-${randomUUID()}@test.local`,
      ])
    )[0].id;
  /** A 10-credit purchase in `status`, for the Checkout Session `session` (a new one by default). */
  const aPurchase = async (userId: string, status: string, session = `cs_test_${randomUUID()}`) =>
    (
      await db().query<{ id: string }[]>(
        `INSERT INTO credit_purchases (user_id, pack_id, pack_name, credits, price, currency, status, stripe_session_id)
         VALUES ($1, 'starter', 'Starter', 10, 500, 'usd', $2, $3) RETURNING id`,
        [userId, status, session],
      )
    )[0].id;
  /** A ledger entry of the purchase, with the balance kept in step (only the entry is wrong). */
  const entry = async (
    userId: string,
    purchaseId: string,
    reason: 'purchase' | 'clawback',
    amount: number,
  ) => {
    await db().query(`UPDATE users SET balance = balance + $2 WHERE id = $1`, [userId, amount]);
    await db().query(
      `INSERT INTO credit_ledger (user_id, amount, reason, purchase_id, reference)
       VALUES ($1, $2, $3, $4, $5)`,
      [userId, amount, reason, purchaseId, `${reason}:${randomUUID()}`],
    );
  };
  const problemsAbout = async (...ids: string[]) =>
    (await checkLedger(db())).filter((p) =>
      ids.includes(p.purchaseId ?? p.userId ?? p.paymentReference ?? ''),
    );

  it('finds nothing wrong with paid, refunded and unpaid purchases that are in step', async () => {
    const user = await aUser();
    const paid = await aPurchase(user, 'paid');
    await entry(user, paid, 'purchase', 10);
    const refunded = await aPurchase(user, 'refunded');
    await entry(user, refunded, 'purchase', 10);
    await entry(user, refunded, 'clawback', -4);
    await db().query(`UPDATE credit_purchases SET clawed_back_credits = 4 WHERE id = $1`, [
      refunded,
    ]);
    const pending = await aPurchase(user, 'pending');
    const expired = await aPurchase(user, 'expired');
    expect(await problemsAbout(user, paid, refunded, pending, expired)).toEqual([]);
  });

  it('reports a paid purchase with no grant, and an unpaid one with a grant', async () => {
    const user = await aUser();
    const paid = await aPurchase(user, 'paid');
    const pending = await aPurchase(user, 'pending');
    await entry(user, pending, 'purchase', 10);
    expect(await problemsAbout(paid, pending)).toEqual(
      expect.arrayContaining([
        { purchaseId: paid, problem: 'paid purchase has 0 grant(s), expected 1' },
        { purchaseId: pending, problem: 'pending purchase has 1 grant(s), expected 0' },
      ]),
    );
    expect(await problemsAbout(paid, pending)).toHaveLength(2);
  });

  it('reports a grant of another amount than the purchase’s credits', async () => {
    const user = await aUser();
    const paid = await aPurchase(user, 'paid');
    await entry(user, paid, 'purchase', 12);
    expect(await problemsAbout(paid)).toEqual([
      { purchaseId: paid, problem: 'paid purchase of 10 credits was granted 12' },
    ]);
  });

  it('reports clawbacks beyond the grant, or other than what the purchase records', async () => {
    const user = await aUser();
    // Credits of their own besides the pack, so the balance can pay for the extra clawback.
    await db().query(`UPDATE users SET balance = 5 WHERE id = $1`, [user]);
    await db().query(
      `INSERT INTO credit_ledger (user_id, amount, reason) VALUES ($1, 5, 'grant')`,
      [user],
    );
    const refunded = await aPurchase(user, 'refunded');
    await entry(user, refunded, 'purchase', 10);
    await entry(user, refunded, 'clawback', -8);
    await entry(user, refunded, 'clawback', -4);
    // The purchase itself cannot record more than its credits (the schema refuses it).
    await expect(
      db().query(`UPDATE credit_purchases SET clawed_back_credits = 12 WHERE id = $1`, [refunded]),
    ).rejects.toThrow(/ck_credit_purchases_reversed/);
    await db().query(`UPDATE credit_purchases SET clawed_back_credits = 10 WHERE id = $1`, [
      refunded,
    ]);
    expect(await problemsAbout(refunded)).toEqual([
      { purchaseId: refunded, problem: 'clawbacks took 12 credits but the purchase granted 10' },
      { purchaseId: refunded, problem: 'clawbacks took 12 credits but the purchase records 10' },
    ]);
  });

  it('reports a Stripe payment granted twice, once the database guard is taken away', async () => {
    const user = await aUser();
    const session = `cs_test_${randomUUID()}`;
    const first = await aPurchase(user, 'paid', session);
    await entry(user, first, 'purchase', 10);
    // One Checkout Session belongs to one purchase: the schema refuses a second.
    await expect(aPurchase(user, 'paid', session)).rejects.toThrow(/uq_credit_purchases_session/);
    await db().query(`DROP INDEX uq_credit_purchases_session`);
    const second = await aPurchase(user, 'paid', session);
    await entry(user, second, 'purchase', 10);
    expect(await problemsAbout(session, first, second)).toEqual([
      {
        paymentReference: session,
        problem: `Stripe payment ${session} was granted 2 times, expected once`,
      },
    ]);
  });

  it('reports a purchase grant that names no purchase, once the database guard is taken away', async () => {
    const user = await aUser();
    const insert = () =>
      db().query(
        `INSERT INTO credit_ledger (user_id, amount, reason, reference) VALUES ($1, 5, 'purchase', $2) RETURNING id`,
        [user, `purchase:${randomUUID()}`],
      );
    await expect(insert()).rejects.toThrow(/ck_credit_ledger_purchase/);
    await db().query(`ALTER TABLE credit_ledger DROP CONSTRAINT ck_credit_ledger_purchase`);
    const [{ id }] = await insert();
    await db().query(`UPDATE users SET balance = balance + 5 WHERE id = $1`, [user]);
    expect(await problemsAbout(user)).toEqual([
      { userId: user, problem: `purchase ledger entry ${id} belongs to no purchase` },
    ]);
  });

  it('lets the database refuse a clawback of zero or more, and a second grant of one purchase', async () => {
    const user = await aUser();
    const paid = await aPurchase(user, 'paid');
    await expect(
      db().query(
        `INSERT INTO credit_ledger (user_id, amount, reason, purchase_id, reference) VALUES ($1, 0, 'clawback', $2, $3)`,
        [user, paid, `clawback:${randomUUID()}`],
      ),
    ).rejects.toThrow(/ck_credit_ledger_sign/);
    const grant = () =>
      db().query(
        `INSERT INTO credit_ledger (user_id, amount, reason, purchase_id, reference) VALUES ($1, 10, 'purchase', $2, $3)`,
        [user, paid, `purchase:${paid}`],
      );
    await grant();
    await db().query(`UPDATE users SET balance = balance + 10 WHERE id = $1`, [user]);
    await expect(grant()).rejects.toThrow(/uq_credit_ledger_reference/);
    expect(await problemsAbout(user, paid)).toEqual([]);
  });
});
