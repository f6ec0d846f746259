import { randomUUID } from 'node:crypto';

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
import { runNode } from '../support/processes';
import { TestApi, startTestApi } from '../support/test-app';
import { scratchDatabase } from '../support/scratch-database';

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
      [1, 2, 3].map(() =>
        state.failAndRefund(id, {
          code: 'internal_error',
          reason: 'test failure',
          reasonClass: 'other',
        }),
      ),
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
});

// The check itself must catch what it promises. Its breakages go into a scratch database of their
// own: checkLedger (and so assertLedgerConsistent in every other test) reads the whole database,
// so a broken row in the shared one would fail unrelated tests.
describe('the ledger check, on a scratch database broken on purpose', () => {
  const { db, url } = scratchDatabase('ledger_check');

  /** A user granted `credits`, with the balance and ledger in step. */
  const aUser = async (credits: number): Promise<string> => {
    const [{ id }] = await db().query<{ id: string }[]>(
      `INSERT INTO users (email, balance) VALUES ($1, $2) RETURNING id`,
      [`check-${Math.random().toString(36).slice(2)}@test.local`, credits],
    );
    await db().query(
      `INSERT INTO credit_ledger (user_id, amount, reason) VALUES ($1, $2, 'grant')`,
      [id, credits],
    );
    return id;
  };
  /** An infograph charged the way create charges: balance and a charge entry, in step. */
  const anInfograph = async (userId: string, status: string, charged: number) => {
    const [{ id }] = await db().query<{ id: string }[]>(
      `WITH charged AS (UPDATE users SET balance = balance - $3 WHERE id = $1 RETURNING id),
            entry AS (INSERT INTO credit_ledger (user_id, amount, reason, batch_id)
                      SELECT id, -$3, 'charge', $4 FROM charged)
       INSERT INTO infographs (user_id, batch_id, prompt, aspect_ratio, resolution, status, credits_charged)
       SELECT id, $4, 'p', '1:1', '4K', $2, $3 FROM charged RETURNING id`,
      [userId, status, charged, randomUUID()],
    );
    return id;
  };
  /** A refund entry, with the balance kept in step (so only the refund itself is wrong). */
  const refund = async (userId: string, infographId: string, amount: number) => {
    await db().query(`UPDATE users SET balance = balance + $2 WHERE id = $1`, [userId, amount]);
    await db().query(
      `INSERT INTO credit_ledger (user_id, amount, reason, infograph_id) VALUES ($1, $2, 'refund', $3)`,
      [userId, amount, infographId],
    );
  };
  /** What checkLedger says about these users and infographs (the scratch database holds others). */
  const problemsAbout = async (...ids: string[]) =>
    (await checkLedger(db())).filter((p) => ids.includes(p.userId ?? p.infographId ?? ''));

  it('finds nothing wrong in a ledger that is in step', async () => {
    const user = await aUser(6);
    const ids = [
      await anInfograph(user, 'completed', 2),
      await anInfograph(user, 'pending', 1),
      await anInfograph(user, 'failed', 2),
    ];
    await refund(user, ids[2], 2);
    expect(await problemsAbout(user, ...ids)).toEqual([]);
  });

  it('reports a failed infograph with no refund', async () => {
    const user = await aUser(2);
    const id = await anInfograph(user, 'failed', 2);
    expect(await problemsAbout(user, id)).toEqual([
      { infographId: id, problem: 'failed infograph has 0 refund(s), expected 1' },
    ]);
  });

  it('reports a failed infograph refunded less, or more, than it was charged', async () => {
    const user = await aUser(4);
    const [short, over] = [
      await anInfograph(user, 'failed', 2),
      await anInfograph(user, 'failed', 2),
    ];
    await refund(user, short, 1);
    await refund(user, over, 3);
    expect(await problemsAbout(user, short, over)).toEqual(
      expect.arrayContaining([
        { infographId: short, problem: 'failed infograph was charged 2 but refunded 1' },
        { infographId: over, problem: 'failed infograph was charged 2 but refunded 3' },
      ]),
    );
    expect(await problemsAbout(user, short, over)).toHaveLength(2);
  });

  it('reports a refund of an infograph that did not fail', async () => {
    const user = await aUser(1);
    const id = await anInfograph(user, 'completed', 1);
    await refund(user, id, 1);
    expect(await problemsAbout(user, id)).toEqual([
      { infographId: id, problem: 'completed infograph has 1 refund(s), expected 0' },
    ]);
  });

  it('reports a balance that drifted from the ledger', async () => {
    const user = await aUser(3);
    await db().query(`UPDATE users SET balance = 5 WHERE id = $1`, [user]);
    expect(await problemsAbout(user)).toEqual([
      { userId: user, problem: 'balance 5 but ledger sums to 3' },
    ]);
  });

  it('reports a failed infograph refunded twice, once the database guard is taken away', async () => {
    const user = await aUser(2);
    const id = await anInfograph(user, 'failed', 1);
    await refund(user, id, 1);
    // The database refuses a second refund; this scratch database drops that guard to prove the
    // check would still catch one (e.g. written before the index existed, or by hand).
    await expect(refund(user, id, 1)).rejects.toThrow(/uq_ledger_refund_per_infograph/);
    await db().query(`UPDATE users SET balance = balance - 1 WHERE id = $1`, [user]);
    await db().query(`DROP INDEX uq_ledger_refund_per_infograph`);
    await refund(user, id, 1);
    expect(await problemsAbout(user, id)).toEqual([
      { infographId: id, problem: 'failed infograph has 2 refund(s), expected 1' },
    ]);
  });

  it('makes `credits:check` exit non-zero and name every problem', async () => {
    const problems = await checkLedger(db());
    expect(problems.length).toBeGreaterThanOrEqual(6);
    const checked = await runNode('scripts/cli.js', ['credits:check'], { DATABASE_URL: url });
    expect(checked.code).toBe(1);
    for (const p of problems) {
      expect(checked.stdout).toContain(
        p.userId ? `user ${p.userId}: ${p.problem}` : `infograph ${p.infographId}: ${p.problem}`,
      );
    }
  });
});
