import { failureMessage } from '@app/infographs';

import { HealthServer } from '../../apps/worker/src/health/health-server';
import { aUserWithCredits } from '../support/factories';
import { Flow, startFlow } from '../support/flow';
import { assertLedgerConsistent } from '../support/ledger';
import { httpRequest } from '../support/test-app';
import { waitFor } from '../support/wait-for';

/**
 * fal's account trouble (a wrong key, a locked account) or an outage is not the users' failure:
 * the worker's circuit breaker holds every submit, the infographs stay pending and charged, and
 * they complete when fal comes back — or, past FAL_OUTAGE_DEADLINE_MS, are failed and refunded once.
 * fal-sim's `accountError` fault plays fal refusing every call.
 */

const UNAVAILABLE = failureMessage('fal_unavailable');

async function setAccountError(flow: Flow, accountError: 0 | 401 | 403 | 503): Promise<void> {
  const response = await fetch(`${flow.simUrl}/_sim/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ accountError }),
  });
  expect(response.status).toBe(200);
}

const workerUrl = (flow: Flow) => `http://127.0.0.1:${flow.worker.get(HealthServer).port()}`;

async function readiness(flow: Flow): Promise<{ status: number; body: any }> {
  return httpRequest(workerUrl(flow), 'GET', '/health/ready', {
    skipContractCheck: "the worker's health port, not the api",
  });
}

/** One sample of the worker's /metrics, e.g. `ainfographic_fal_circuit_open`. */
async function metric(flow: Flow, sample: string): Promise<number | undefined> {
  const text = (
    await httpRequest(workerUrl(flow), 'GET', '/metrics', {
      skipContractCheck: "the worker's metrics, not the api",
    })
  ).body as string;
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

/** How many submits fal-sim refused for our account so far. */
async function refusedSubmits(flow: Flow): Promise<number> {
  const answer = (await (await fetch(`${flow.simUrl}/_sim/submits`)).json()) as {
    submits: { outcome: string }[];
  };
  return answer.submits.filter((s) => s.outcome.startsWith('account-')).length;
}

async function create(
  flow: Flow,
  count: number,
  prompt = `outage ${Date.now()}`,
): Promise<{ userId: string; token: string; ids: string[] }> {
  const { user, token } = await aUserWithCredits(flow.api.app, count);
  const created = await flow.api.request('POST', '/api/infographs/create/', {
    token,
    body: { prompt, number_of_infographs: count },
  });
  expect(created.status).toBe(201);
  return { userId: user.id, token, ids: created.body.infographs.map((i: { id: string }) => i.id) };
}

async function statuses(flow: Flow, token: string, ids: string[]): Promise<string[]> {
  return Promise.all(
    ids.map(
      async (id) =>
        (await flow.api.request('GET', `/api/infographs/status/${id}/`, { token })).body.status,
    ),
  );
}

/** The user's ledger: what was charged and how many refunds, plus the balance. */
async function ledgerOf(
  flow: Flow,
  userId: string,
): Promise<{ charged: number; refunds: number; balance: number }> {
  const [row] = await flow.api.dataSource.query<
    { charged: number; refunds: number; balance: number }[]
  >(
    `SELECT coalesce(-sum(amount) FILTER (WHERE reason = 'charge'), 0)::int AS charged,
            count(*) FILTER (WHERE reason = 'refund')::int AS refunds,
            (SELECT balance FROM users WHERE id = $1) AS balance
       FROM credit_ledger WHERE user_id = $1`,
    [userId],
  );
  return row;
}

const circuitOpen = (flow: Flow) =>
  waitFor(
    () => readiness(flow),
    (r) => ['open', 'half-open'].includes(r.body?.checks?.fal_circuit?.state),
    { describe: 'the fal circuit to open', timeoutMs: 20_000 },
  );

const circuitClosed = (flow: Flow) =>
  waitFor(
    () => readiness(flow),
    (r) => r.body?.checks?.fal_circuit?.state === 'closed',
    { describe: 'the fal circuit to close', timeoutMs: 20_000 },
  );

describe('fal circuit breaker: fal out of reach for everyone', () => {
  let flow: Flow;

  beforeAll(async () => {
    flow = await startFlow({
      FAL_BREAKER_FAILURES: '2',
      FAL_BREAKER_COOLDOWN_MS: '300',
      FAL_BREAKER_MAX_COOLDOWN_MS: '600',
      FAL_OUTAGE_DEADLINE_MS: '120000',
    });
  });
  afterEach(async () => {
    await setAccountError(flow, 0);
    await circuitClosed(flow);
    await assertLedgerConsistent(flow.api.dataSource);
  });
  afterAll(() => flow.close());

  it('holds every infograph pending and charged while the account is locked (403), then completes each, charged once', async () => {
    await setAccountError(flow, 403);
    const { userId, token, ids } = await create(flow, 3);

    const open = await circuitOpen(flow);
    // Degraded, not unready: the worker is fine, fal is not.
    expect(open.status).toBe(200);
    expect(open.body.status).toBe('degraded');
    expect(open.body.checks.fal_circuit).toMatchObject({
      cause: 'locked',
      reason: expect.stringContaining('User is locked. Reason: Exhausted balance.'),
    });
    expect(await metric(flow, 'ainfographic_fal_circuit_open')).toBe(1);
    expect(await metric(flow, 'ainfographic_fal_circuit_trips_total{cause="locked"}')).toBe(1);

    // A while (several cooldowns, and past RECONCILE_PENDING_AFTER_MS, so the reconciler has
    // looked at them too): fal only gets a probe now and then, and nothing fails or is refunded.
    const refusedBefore = await refusedSubmits(flow);
    await new Promise((r) => setTimeout(r, 2500));
    expect((await refusedSubmits(flow)) - refusedBefore).toBeLessThanOrEqual(2500 / 300 + 1);
    expect(await statuses(flow, token, ids)).toEqual(['pending', 'pending', 'pending']);
    expect(await ledgerOf(flow, userId)).toEqual({ charged: 3, refunds: 0, balance: 0 });

    await setAccountError(flow, 0);
    for (const id of ids) {
      expect((await flow.waitForTerminal(token, id)).status).toBe('completed');
    }
    expect(await ledgerOf(flow, userId)).toEqual({ charged: 3, refunds: 0, balance: 0 });
    const closed = await readiness(flow);
    expect(closed.body.status).toBe('ok');
    expect(await metric(flow, 'ainfographic_fal_circuit_open')).toBe(0);
  });

  it('does the same when fal stops answering (503), once FAL_BREAKER_FAILURES submits in a row failed', async () => {
    await setAccountError(flow, 503);
    // fal's client retries a 503 by itself (about 7 s) before a submit fails.
    const { userId, token, ids } = await create(flow, 2);
    const open = await circuitOpen(flow);
    expect(open.body.checks.fal_circuit).toMatchObject({ cause: 'unavailable' });
    // One attempt each was spent on the failures that tripped it; none since (JOB_ATTEMPTS is 3).
    await new Promise((r) => setTimeout(r, 1500));
    expect(await statuses(flow, token, ids)).toEqual(['pending', 'pending']);

    await setAccountError(flow, 0);
    for (const id of ids) {
      expect((await flow.waitForTerminal(token, id, 30_000)).status).toBe('completed');
    }
    expect(await ledgerOf(flow, userId)).toEqual({ charged: 2, refunds: 0, balance: 0 });
  }, 90_000);

  it('still fails at once only the infograph fal rejects (422), without opening', async () => {
    const rejected = await create(flow, 1, `refused ${Date.now()} [sim:submit-422]`);
    const done = await flow.waitForTerminal(rejected.token, rejected.ids[0]);
    expect(done).toMatchObject({
      status: 'failed',
      error_code: 'generation_failed',
      error_message: failureMessage('generation_failed'),
    });
    expect((await readiness(flow)).body.checks.fal_circuit).toEqual({ state: 'closed' });
    const fine = await create(flow, 1);
    expect((await flow.waitForTerminal(fine.token, fine.ids[0])).status).toBe('completed');
    expect(await ledgerOf(flow, rejected.userId)).toEqual({ charged: 1, refunds: 1, balance: 1 });
  });
});

describe('fal circuit breaker: past the outage deadline', () => {
  let flow: Flow;
  const deadlineMs = 2500;

  beforeAll(async () => {
    flow = await startFlow({
      FAL_BREAKER_COOLDOWN_MS: '300',
      FAL_BREAKER_MAX_COOLDOWN_MS: '600',
      FAL_OUTAGE_DEADLINE_MS: String(deadlineMs),
    });
  });
  afterEach(() => assertLedgerConsistent(flow.api.dataSource));
  afterAll(() => flow.close());

  it('fails and refunds each held infograph exactly once, with a clear message, no sooner', async () => {
    await setAccountError(flow, 401);
    const started = Date.now();
    const { userId, token, ids } = await create(flow, 2);
    await circuitOpen(flow);
    expect(await statuses(flow, token, ids)).toEqual(['pending', 'pending']);

    for (const id of ids) {
      const done = await flow.waitForTerminal(token, id);
      expect(done).toMatchObject({
        status: 'failed',
        error_code: 'fal_unavailable',
        error_message: UNAVAILABLE,
      });
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(deadlineMs);
    expect(await ledgerOf(flow, userId)).toEqual({ charged: 2, refunds: 2, balance: 2 });

    // fal back: nothing revives them, nothing is refunded twice.
    await setAccountError(flow, 0);
    await circuitClosed(flow);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await statuses(flow, token, ids)).toEqual(['failed', 'failed']);
    expect(await ledgerOf(flow, userId)).toEqual({ charged: 2, refunds: 2, balance: 2 });
  });
});
