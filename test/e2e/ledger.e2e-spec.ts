import {
  CreditsService,
  InsufficientCreditsError,
  NegativeBalanceError,
  UnknownUserError,
  checkLedger,
} from '@app/credits';
import { InfographCreationService, InfographStateService } from '@app/infographs';

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

  const oneImage = (resolution = '1K') => ({
    prompt: 'p',
    blogUrl: null,
    aspectRatio: '1:1',
    resolution,
    count: 1,
  });

  it('never overdraws under concurrent creates and charges exactly the ones that succeed', async () => {
    const { user } = await aUserWithCredits(api.app, 10);
    const creation = api.app.get(InfographCreationService);
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () => creation.create(user.id, oneImage(), (made) => made)),
    );
    const succeeded = results.filter((r) => r.status === 'fulfilled').length;
    const refused = results.filter(
      (r) => r.status === 'rejected' && r.reason instanceof InsufficientCreditsError,
    );
    expect(succeeded).toBe(10);
    expect(refused).toHaveLength(40);
    expect(await credits.balanceOf(user.id)).toBe(0);
  });

  it('says balance and cost when credits are short, and creates nothing', async () => {
    const { user } = await aUserWithCredits(api.app, 1);
    await expect(
      api.app
        .get(InfographCreationService)
        .create(user.id, { ...oneImage('4K'), count: 2 }, (made) => made),
    ).rejects.toThrow('this request costs 4 and your balance is 1');
    expect(await credits.balanceOf(user.id)).toBe(1);
    expect(
      await api.dataSource.query(`SELECT id FROM infographs WHERE user_id = $1`, [user.id]),
    ).toEqual([]);
  });

  it('fails and refunds an infograph exactly once, even when failure runs three times at once', async () => {
    const { user } = await aUserWithCredits(api.app, 4);
    const { response } = await api.app
      .get(InfographCreationService)
      .create(user.id, oneImage('4K'), (made) => made);
    const id = response.ids[0];
    const state = api.app.get(InfographStateService);
    const outcomes = await Promise.all(
      [1, 2, 3].map(() => state.failAndRefund(id, 'test failure', 'other')),
    );
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    expect(await credits.balanceOf(user.id)).toBe(4);
    // The database refuses a second refund row even if code tried to write one.
    await expect(
      api.dataSource.transaction((m) =>
        m.query(
          `INSERT INTO credit_ledger (user_id, amount, reason, infograph_id) VALUES ($1, 2, 'refund', $2)`,
          [user.id, id],
        ),
      ),
    ).rejects.toThrow(/uq_ledger_refund_per_infograph/);
  });

  it('lets the database itself refuse a negative balance', async () => {
    const { user } = await aUserWithCredits(api.app, 1);
    await expect(
      api.dataSource.query(`UPDATE users SET balance = -1 WHERE id = $1`, [user.id]),
    ).rejects.toThrow(/ck_users_balance_non_negative/);
  });

  it('corrects a balance either way with one ledger entry per adjustment', async () => {
    const { user } = await aUserWithCredits(api.app, 5);
    expect(await credits.adjust(user.id, 3, ' goodwill for an outage ')).toBe(8);
    expect(await credits.adjust(user.id, -8, 'double grant reversed')).toBe(0);
    const entries = await credits.recentEntries(user.id);
    expect(entries.map((e) => [e.reason, e.amount, e.note])).toEqual(
      expect.arrayContaining([
        ['adjustment', 3, 'goodwill for an outage'],
        ['adjustment', -8, 'double grant reversed'],
      ]),
    );
    expect(entries).toHaveLength(3);
  });

  it('refuses an adjustment past the balance, and changes nothing', async () => {
    const { user } = await aUserWithCredits(api.app, 2);
    const refused = credits.adjust(user.id, -3, 'too much');
    await expect(refused).rejects.toThrow(NegativeBalanceError);
    await expect(credits.adjust(user.id, -3, 'too much')).rejects.toThrow(
      'Cannot take 3 credits: the balance is 2, and a balance cannot go below zero.',
    );
    expect(await credits.balanceOf(user.id)).toBe(2);
    expect(await credits.recentEntries(user.id)).toHaveLength(1);
  });

  it('refuses a zero or fractional adjustment, a blank note and an unknown user', async () => {
    const { user } = await aUserWithCredits(api.app, 2);
    await expect(credits.adjust(user.id, 0, 'n')).rejects.toThrow(RangeError);
    await expect(credits.adjust(user.id, 1.5, 'n')).rejects.toThrow(RangeError);
    await expect(credits.adjust(user.id, 1, '  ')).rejects.toThrow(RangeError);
    await expect(credits.adjust('00000000-0000-4000-8000-000000000000', 1, 'n')).rejects.toThrow(
      UnknownUserError,
    );
    expect(await credits.recentEntries(user.id)).toHaveLength(1);
  });

  it('lets the database allow adjustments of either sign but never a zero one', async () => {
    const { user } = await aUserWithCredits(api.app, 1);
    const insert = (reason: string, amount: number) =>
      api.dataSource.query(
        `INSERT INTO credit_ledger (user_id, amount, reason) VALUES ($1, $2, $3) RETURNING id`,
        [user.id, amount, reason],
      );
    // Ledger rows only, written and removed here so the balance check still holds afterwards.
    const rows = [...(await insert('adjustment', -1)), ...(await insert('adjustment', 1))];
    await api.dataSource.query(`DELETE FROM credit_ledger WHERE id = ANY($1)`, [
      rows.map((r: { id: string }) => r.id),
    ]);
    await expect(insert('adjustment', 0)).rejects.toThrow(/ck_credit_ledger_sign/);
    await expect(insert('grant', -1)).rejects.toThrow(/ck_credit_ledger_sign/);
    await expect(insert('bonus', 1)).rejects.toThrow(/ck_credit_ledger_reason/);
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
