import { randomUUID } from 'node:crypto';

import { CreditsService, InsufficientCreditsError, checkLedger } from '@app/credits';
import { Infograph } from '@app/database';

import { aUserWithCredits } from '../support/factories';
import { assertLedgerConsistent } from '../support/ledger';
import { TestApi, startTestApi } from '../support/test-app';

describe('credit ledger', () => {
  let api: TestApi;
  let credits: CreditsService;

  beforeAll(async () => {
    api = await startTestApi();
    credits = api.app.get(CreditsService);
  });
  afterEach(() => assertLedgerConsistent(api.dataSource));
  afterAll(() => api.close());

  it('never overdraws under concurrent charges and charges exactly the ones that succeed', async () => {
    const { user } = await aUserWithCredits(api.app, 10);
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () =>
        api.dataSource.transaction((m) => credits.charge(m, user.id, 1, randomUUID())),
      ),
    );
    const succeeded = results.filter((r) => r.status === 'fulfilled').length;
    const refused = results.filter(
      (r) => r.status === 'rejected' && r.reason instanceof InsufficientCreditsError,
    );
    expect(succeeded).toBe(10);
    expect(refused).toHaveLength(40);
    expect(await credits.balanceOf(user.id)).toBe(0);
  });

  it('says balance and cost when credits are short', async () => {
    const { user } = await aUserWithCredits(api.app, 1);
    await expect(
      api.dataSource.transaction((m) => credits.charge(m, user.id, 3, randomUUID())),
    ).rejects.toThrow('this request costs 3 and your balance is 1');
    expect(await credits.balanceOf(user.id)).toBe(1);
  });

  it('refunds a failed infograph exactly once, even when the refund runs twice concurrently', async () => {
    const { user } = await aUserWithCredits(api.app, 4);
    const batchId = randomUUID();
    const infograph = await api.dataSource.transaction(async (m) => {
      await credits.charge(m, user.id, 2, batchId);
      return m.save(
        m.create(Infograph, {
          userId: user.id,
          batchId,
          prompt: 'p',
          aspectRatio: '1:1',
          resolution: '4K',
          creditsCharged: 2,
          status: 'failed',
          errorMessage: 'test failure',
        }),
      );
    });
    const outcomes = await Promise.all(
      [1, 2, 3].map(() =>
        api.dataSource.transaction((m) => credits.refund(m, infograph, 'failed')),
      ),
    );
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    expect(await credits.balanceOf(user.id)).toBe(4);
  });

  it('lets the database itself refuse a negative balance', async () => {
    const { user } = await aUserWithCredits(api.app, 1);
    await expect(
      api.dataSource.query(`UPDATE users SET balance = -1 WHERE id = $1`, [user.id]),
    ).rejects.toThrow(/ck_users_balance_non_negative/);
  });

  it('detects a balance that drifted from the ledger', async () => {
    const { user } = await aUserWithCredits(api.app, 3);
    await api.dataSource.query(`UPDATE users SET balance = 5 WHERE id = $1`, [user.id]);
    const problems = await checkLedger(api.dataSource);
    expect(problems).toEqual([
      expect.objectContaining({ userId: user.id, problem: 'balance 5 but ledger sums to 3' }),
    ]);
    await api.dataSource.query(`UPDATE users SET balance = 3 WHERE id = $1`, [user.id]);
  });
});
