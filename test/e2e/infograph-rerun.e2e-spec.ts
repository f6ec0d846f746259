import { failureMessage } from '@app/infographs';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

import { UsageError } from '../../scripts/cli/command';
import { infographRerun, RerunModule } from '../../scripts/cli/infograph-commands';
import { aUserWithCredits } from '../support/factories';
import { assertLedgerConsistent } from '../support/ledger';
import { Flow, startFlow } from '../support/flow';
import { testConfig } from '../support/test-app';

/**
 * `npm run cli -- infograph:rerun`: an operator really runs a user's failed infograph again, as a
 * new one with the same settings, with the accounting in the ledger. Run in-process here (the CLI's
 * own command and module, against the flow's database, Redis and worker); test/e2e/cli.e2e-spec.ts
 * runs the built command line.
 */
describe('infograph:rerun', () => {
  let flow: Flow;
  let cli: INestApplicationContext;

  beforeAll(async () => {
    flow = await startFlow();
    cli = await NestFactory.createApplicationContext(RerunModule.forRoot(testConfig()), {
      logger: false,
    });
  });
  afterAll(async () => {
    await cli.close();
    await flow.close();
  });
  afterEach(() => assertLedgerConsistent(flow.api.dataSource));

  const rerun = (flags: Record<string, string | boolean>) => infographRerun.prepare(flags)(cli);

  async function aFailedInfograph(credits: number) {
    const { user, token } = await aUserWithCredits(flow.api.app, credits);
    const created = await flow.api.request('POST', '/api/infographs/create/', {
      token,
      body: { prompt: 'Doomed then fine [sim:fail]', aspect_ratio: '1:1', resolution: '2K' },
    });
    const id = created.body.infographs[0].id as string;
    expect(await flow.waitForTerminal(token, id)).toMatchObject({
      status: 'failed',
      error_code: 'generation_failed',
    });
    return { user, token, id };
  }

  async function ledgerOf(userId: string) {
    return flow.api.dataSource.query<{ amount: number; reason: string; note: string | null }[]>(
      `SELECT amount, reason, note FROM credit_ledger WHERE user_id = $1 ORDER BY created_at, reason DESC`,
      [userId],
    );
  }

  it('creates a new infograph with the same settings for the same user, charged, and submits it', async () => {
    const { user, token, id } = await aFailedInfograph(1);
    const report = await rerun({ id });
    const newId = (report.data as { infograph_id: string }).infograph_id;
    expect(report.data).toMatchObject({
      source: { id, status: 'failed', error_code: 'generation_failed' },
      user: { id: user.id },
      charged: 1,
      granted: 0,
      balance: 0,
      submitted: true,
    });
    expect(report.text[0]).toBe(
      `Re-ran failed infograph ${id} (generation_failed) for ${user.email} as ${newId}.`,
    );
    expect(report.text[1]).toBe('Charged 1 credits; balance is now 0.');
    const fresh = await flow.api.request('GET', `/api/infographs/status/${newId}/`, { token });
    expect(fresh.body).toMatchObject({
      prompt: 'Doomed then fine [sim:fail]',
      aspect_ratio: '1:1',
      resolution: '2K',
    });
    // It really runs (fal-sim fails this prompt again): submitted, failed, refunded like any other.
    expect(await flow.waitForTerminal(token, newId)).toMatchObject({
      status: 'failed',
      error_code: 'generation_failed',
      error_message: failureMessage('generation_failed'),
    });
    // The source is untouched: still failed, refunded once.
    const source = await flow.api.request('GET', `/api/infographs/status/${id}/`, { token });
    expect(source.body.status).toBe('failed');
    expect((await ledgerOf(user.id)).map((e) => [e.reason, e.amount])).toEqual([
      ['grant', 1],
      ['charge', -1],
      ['refund', 1],
      ['charge', -1],
      ['refund', 1],
    ]);
  });

  it('with --free, grants the cost and charges it in one go, noted in the ledger', async () => {
    const { user, id } = await aFailedInfograph(1);
    // Spend the refunded credit: a free re-run needs none.
    await flow.api.dataSource.query(`UPDATE users SET balance = 0 WHERE id = $1`, [user.id]);
    await flow.api.dataSource.query(
      `INSERT INTO credit_ledger (user_id, amount, reason, note) VALUES ($1, -1, 'adjustment', 'test: spent')`,
      [user.id],
    );
    const report = await rerun({ id, free: true, note: 'ticket 42' });
    expect(report.data).toMatchObject({ charged: 1, granted: 1, balance: 0 });
    expect(report.text[1]).toBe(
      'Granted 1 credits and charged 1 (a free re-run); balance is now 0.',
    );
    const ledger = await ledgerOf(user.id);
    expect(ledger.slice(-2)).toEqual([
      { amount: 1, reason: 'grant', note: `free re-run of failed infograph ${id}: ticket 42` },
      { amount: -1, reason: 'charge', note: null },
    ]);
  });

  it('refuses a re-run the balance cannot pay, saying how to do it, and changes nothing', async () => {
    const { user, id } = await aFailedInfograph(1);
    await flow.api.dataSource.query(`UPDATE users SET balance = 0 WHERE id = $1`, [user.id]);
    await flow.api.dataSource.query(
      `INSERT INTO credit_ledger (user_id, amount, reason, note) VALUES ($1, -1, 'adjustment', 'test: spent')`,
      [user.id],
    );
    const before = await ledgerOf(user.id);
    await expect(rerun({ id })).rejects.toThrow(/--free/);
    expect(await ledgerOf(user.id)).toEqual(before);
  });

  it('re-runs only a failed infograph, and says why not otherwise', async () => {
    const { user, token } = await aUserWithCredits(flow.api.app, 1);
    const created = await flow.api.request('POST', '/api/infographs/create/', {
      token,
      body: { prompt: 'fine' },
    });
    const id = created.body.infographs[0].id as string;
    expect((await flow.waitForTerminal(token, id)).status).toBe('completed');
    await expect(rerun({ id })).rejects.toThrow(`Infograph ${id} is completed, not failed`);
    await expect(rerun({ id: '00000000-0000-4000-8000-000000000000' })).rejects.toThrow(UsageError);
    expect(() => infographRerun.prepare({ id: 'nope' })).toThrow(UsageError);
    expect(() => infographRerun.prepare({})).toThrow('--id is required.');
    expect((await ledgerOf(user.id)).length).toBe(2);
  });
});
