// fal's own queue, seen from our status answer: with no limit of ours (FAL_MAX_IN_FLIGHT=0) fal-sim
// queues what is beyond its account limit, and the status says how many fal has ahead of each
// request: from fal's submit answer, then from the reconciler's status calls as the queue moves.

import { aUserWithCredits } from '../support/factories';
import { Flow, startFlow } from '../support/flow';
import { waitFor } from '../support/wait-for';

describe("fal's queue position in the status answer", () => {
  let flow: Flow;

  beforeAll(async () => {
    flow = await startFlow({
      FAL_MAX_IN_FLIGHT: '0',
      RECONCILE_INTERVAL_MS: '300',
      RECONCILE_PROCESSING_AFTER_MS: '1000',
    });
  });
  afterAll(() => flow.close());

  it("reports fal's queue as fal reports it, and no guessed ETA behind it", async () => {
    // An account that runs one at a time, 3 s each: of three, one runs and two wait at fal.
    const faults = await fetch(`${flow.simUrl}/_sim/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ latencyMs: 3000, jitterMs: 0, concurrency: 1, failRate: 0 }),
    });
    expect(faults.status).toBe(200);
    const { token } = await aUserWithCredits(flow.api.app, 3);
    const created = await flow.api.request('POST', '/api/infographs/create/', {
      token,
      body: { prompt: 'behind at fal', resolution: '1K', number_of_infographs: 3 },
    });
    expect(created.status).toBe(201);
    const ids = (created.body.infographs as { id: string }[]).map((i) => i.id);
    const status = (id: string) =>
      flow.api.request('GET', `/api/infographs/status/${id}/`, { token });

    const atFal = await waitFor(
      () => Promise.all(ids.map(status)),
      (all) => all.every((s) => s.body.request_id !== null),
      { describe: 'all three at fal' },
    );
    // fal's submit answers: the first started (0 ahead), the second first in line (0 ahead), the
    // third behind it (1).
    const positions = atFal.map((s) => s.body.fal_queue_position as number);
    expect([...positions].sort()).toEqual([0, 0, 1]);
    const last = atFal[positions.indexOf(1)];
    expect(last.body).toMatchObject({ stage: 'generating', queue_position: 0, eta_ms: null });

    // Once the first is done the reconciler's status call sees it move up, while still waiting.
    const moved = await waitFor(
      () => status(last.body.id as string),
      (s) => s.body.fal_queue_position === 0,
      { describe: "the last one first in fal's line", timeoutMs: 10_000 },
    );
    expect(moved.body).toMatchObject({ stage: 'generating', eta_ms: expect.any(Number) });

    for (const id of ids) {
      expect(await flow.waitForTerminal(token, id, 20_000)).toMatchObject({
        status: 'completed',
        fal_queue_position: null,
      });
    }
  }, 40_000);
});
