// FAL_MAX_IN_FLIGHT in the whole product (api, worker, fal-sim with a slow model): fal never has
// more than the limit, a light user's create gets the next free slot ahead of a heavy backlog, and
// every way out of fal (a result, a failure, a cancel, a worker that died holding a slot) frees it.

import { FalCapacity } from '@app/pipeline';
import { QUEUES } from '@app/queues';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';

import { SubmitProcessor } from '../../apps/worker/src/submit/submit.processor';
import { aUserWithCredits } from '../support/factories';
import { Flow, startFlow } from '../support/flow';
import { assertLedgerConsistent } from '../support/ledger';
import { waitFor } from '../support/wait-for';

const LIMIT = 2;

describe('fal capacity: a cluster-wide limit in fair order', () => {
  let flow: Flow;
  let capacity: FalCapacity;

  beforeAll(async () => {
    flow = await startFlow({
      FAL_MAX_IN_FLIGHT: String(LIMIT),
      // Short, so a slot nobody gives back frees within the test; still ten reconciler passes long,
      // so a busy machine cannot let a request at fal lose its slot.
      FAL_SLOT_LEASE_MS: '3000',
      RECONCILE_PENDING_AFTER_MS: '1500',
    });
    capacity = flow.worker.get(FalCapacity);
  });
  beforeEach(() =>
    simFaults({ latencyMs: 400, concurrency: 0, failRate: 0, cancelIgnoredRate: 0 }),
  );
  afterEach(async () => {
    await assertLedgerConsistent(flow.api.dataSource);
    // Whatever happened, no slot is left behind.
    await waitFor(
      () => capacity.holders(),
      (h) => h.length === 0,
      { describe: 'no slot held' },
    );
    await fetch(`${flow.simUrl}/_sim/reset`, { method: 'POST' });
  });
  afterAll(() => flow.close());

  async function simFaults(faults: Record<string, unknown>): Promise<void> {
    const response = await fetch(`${flow.simUrl}/_sim/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(faults),
    });
    expect(response.status).toBe(200);
  }

  const simStats = async () =>
    (await (await fetch(`${flow.simUrl}/_sim/stats`)).json()) as {
      queued: number;
      running: number;
      peakOutstanding: number;
    };

  /** fal-sim's requests in the order they were submitted, by the prompt they carry. */
  async function submitOrder(): Promise<string[]> {
    const body = (await (await fetch(`${flow.simUrl}/_sim/requests`)).json()) as {
      requests: { prompt: string; createdAt: string }[];
    };
    return body.requests
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .map((r) => r.prompt);
  }

  async function create(token: string, prompt: string, count: number): Promise<string[]> {
    const created = await flow.api.request('POST', '/api/infographs/create/', {
      token,
      body: { prompt, aspect_ratio: '1:1', resolution: '1K', number_of_infographs: count },
    });
    expect(created.status).toBe(201);
    return (created.body.infographs as { id: string }[]).map((i) => i.id);
  }

  it('keeps at most FAL_MAX_IN_FLIGHT at fal and gives a light user the next free slot', async () => {
    const heavy = await aUserWithCredits(flow.api.app, 20);
    const light = await aUserWithCredits(flow.api.app, 5);
    const backlog: string[] = [];
    for (let i = 0; i < 3; i++) {
      backlog.push(...(await create(heavy.token, 'heavy backlog', 4)));
    }
    await waitFor(simStats, (s) => s.running === LIMIT, { describe: 'the heavy user at fal' });
    // What is at fal waits behind nothing there: the limit keeps fal's own queue empty.
    const statuses = await Promise.all(
      backlog.map((id) =>
        flow.api.request('GET', `/api/infographs/status/${id}/`, { token: heavy.token }),
      ),
    );
    const atFal = statuses.filter((s) => s.body.stage === 'generating');
    expect(atFal.length).toBeGreaterThanOrEqual(1);
    for (const s of atFal) {
      expect(s.body).toMatchObject({ queue_position: 0, fal_queue_position: 0 });
    }
    const [lightId] = await create(light.token, 'light one', 1);
    // The status says where one waits (once its submit job has asked for a slot) and about how
    // long it has left.
    const last = await waitFor(
      () =>
        flow.api.request('GET', `/api/infographs/status/${backlog[11]}/`, {
          token: heavy.token,
        }),
      (r) => r.body.queue_position !== null,
      { describe: 'the last of the backlog to wait in our queue' },
    );
    expect(last.body).toMatchObject({ stage: 'queued', eta_ms: expect.any(Number) });
    expect(last.body.queue_position).toBeGreaterThanOrEqual(1);

    expect(await flow.waitForTerminal(light.token, lightId)).toMatchObject({
      status: 'completed',
    });
    // The light create went to fal as soon as a slot was free: after the two heavy requests
    // already there (and at most one more that took a slot as it freed), not after the backlog.
    expect((await submitOrder()).indexOf('light one')).toBeLessThanOrEqual(LIMIT + 1);
    for (const id of backlog) {
      expect(await flow.waitForTerminal(heavy.token, id, 30_000)).toMatchObject({
        status: 'completed',
      });
    }
    expect((await simStats()).peakOutstanding).toBe(LIMIT);
  }, 60_000);

  it('frees the slot of a cancelled request and of a failed one', async () => {
    await simFaults({ latencyMs: 5000 });
    const { token } = await aUserWithCredits(flow.api.app, 10);
    const [first, second, third] = await create(token, 'cancel me', 3);
    await waitFor(simStats, (s) => s.running === LIMIT, { describe: 'two at fal' });
    // The first two hold both slots for 5 s; cancelling one lets the third in at once.
    const cancelled = await flow.api.request('POST', `/api/infographs/${first}/cancel/`, {
      token,
    });
    expect(cancelled.status).toBe(200);
    await waitFor(
      () => flow.api.request('GET', `/api/infographs/status/${third}/`, { token }),
      (r) => r.body.request_id !== null,
      { timeoutMs: 3000, describe: 'the third submitted once the first was cancelled' },
    );

    // A request fal fails frees its slot too: the rest of a failing batch all get their turn.
    await simFaults({ latencyMs: 100, failRate: 1 });
    await flow.api.request('POST', `/api/infographs/${second}/cancel/`, { token });
    const failing = await create(token, 'fal fails these', 4);
    for (const id of [third, ...failing]) {
      await flow.waitForTerminal(token, id, 30_000);
    }
  }, 60_000);

  it('keeps the slot of a request at fal when a repeated submit job runs for it', async () => {
    await simFaults({ latencyMs: 3000 });
    const { token } = await aUserWithCredits(flow.api.app, 1);
    const [id] = await create(token, 'at fal a while', 1);
    await waitFor(
      () => flow.api.request('GET', `/api/infographs/status/${id}/`, { token }),
      (r) => r.body.stage === 'generating',
      { describe: 'at fal' },
    );
    expect(await capacity.holds(id)).toBe(true);
    // The reconciler rings a pending row's doorbell when it finds no live job; a row it read
    // just before the first run submitted gets a second run, which finds it at fal.
    const queue = flow.worker.get<Queue>(getQueueToken(QUEUES.submit));
    const again = await queue.add('submit', { infographId: id }, { jobId: `again-${id}` });
    await waitFor(
      () => again.getState(),
      (state) => state === 'completed',
      { describe: 'the repeated run done' },
    );
    // Still at fal, so still holding its slot: giving it away would put one more at fal.
    expect(
      (await flow.api.request('GET', `/api/infographs/status/${id}/`, { token })).body.stage,
    ).toBe('generating');
    expect(await capacity.holds(id)).toBe(true);
    expect(await flow.waitForTerminal(token, id)).toMatchObject({ status: 'completed' });
  }, 30_000);

  it('hands on the slot of a worker that died holding it (the lease expires)', async () => {
    const { user, token } = await aUserWithCredits(flow.api.app, 5);
    const submits = flow.worker.get(SubmitProcessor).worker;
    const queue = flow.worker.get<Queue>(getQueueToken(QUEUES.submit));
    await simFaults({ concurrency: 1, latencyMs: 200 });
    // A worker takes both slots for its infographs and dies before submitting them: its jobs
    // are lost with it, and nobody gives the slots back.
    await submits.pause();
    const [lost] = await create(token, 'lost with the worker', 1);
    const [alsoLost] = await create(token, 'also lost', 1);
    for (const id of [lost, alsoLost]) {
      const row = await flow.api.dataSource.query<{ created_at: Date }[]>(
        `SELECT created_at FROM infographs WHERE id = $1`,
        [id],
      );
      expect(
        await capacity.admit({
          infographId: id,
          userId: user.id,
          createdAt: row[0].created_at,
          bulk: false,
        }),
      ).toBe(true);
      await (await queue.getJob(`submit-${id}`))?.remove();
    }
    submits.resume();
    const [waiting] = await create(token, 'after the crash', 1);

    // The leases expire (FAL_SLOT_LEASE_MS), the reconciler hands the slots on and enqueues the
    // lost infographs again: all three finish, never more than the limit at fal.
    for (const id of [waiting, lost, alsoLost]) {
      expect(await flow.waitForTerminal(token, id, 20_000)).toMatchObject({ status: 'completed' });
    }
    expect((await simStats()).peakOutstanding).toBeLessThanOrEqual(LIMIT);
  }, 60_000);

  it('lets the circuit breaker hold work without holding slots', async () => {
    const { token } = await aUserWithCredits(flow.api.app, 5);
    await simFaults({ accountError: 401 });
    const ids = await create(token, 'during an outage', 3);
    // Open on the first 401; the held infographs stay pending and give their slots back.
    await waitFor(
      async () => (await (await fetch(`${flow.simUrl}/_sim/submits`)).json()) as { submits: [] },
      (b) => b.submits.length >= 1,
      { describe: 'a submit refused' },
    );
    await waitFor(
      () => capacity.holders(),
      (h) => h.length === 0,
      {
        describe: 'held infographs to hold no slot',
      },
    );
    for (const id of ids) {
      const status = await flow.api.request('GET', `/api/infographs/status/${id}/`, { token });
      expect(status.body.status).toBe('pending');
    }
    for (const id of ids) {
      await flow.api.request('POST', `/api/infographs/${id}/cancel/`, { token });
    }
    await simFaults({ accountError: 0 });
  }, 30_000);
});
