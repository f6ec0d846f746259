// What real fal.ai sends that a too-tidy stand-in would not: JWKS keys with only `x`, webhooks
// signed with the gateway_request_id of a request fal retried internally, safety blocks as an OK
// with no images or as a content-checker ERROR, and the model's own inputs (`auto`,
// safety_tolerance). Everything goes through the real flow: fal-sim, the api's webhook, the worker.
import { failureMessage } from '@app/infographs';

import { aUserWithCredits } from '../support/factories';
import { Flow, startFlow } from '../support/flow';
import { assertLedgerConsistent } from '../support/ledger';
import { httpRequest } from '../support/test-app';

const SAFETY_BLOCK_REASON = failureMessage('content_blocked');
import { waitFor } from '../support/wait-for';

const NOT_THE_API = 'fal-sim, not the api: its answers are not in our OpenAPI document';

interface SimRequest {
  requestId: string;
  gatewayRequestId: string;
  input: { aspectRatio: string; safetyTolerance?: string };
  webhook: { finished: boolean; attempts: Array<{ statusCode?: number }> };
}

describe('fal wire facts, end to end', () => {
  let flow: Flow;

  beforeAll(async () => {
    flow = await startFlow({
      FAL_SAFETY_TOLERANCE: '2',
      // Only webhooks finish infographs here: polling fal would hide a refused delivery.
      RECONCILE_PROCESSING_AFTER_MS: '600000',
    });
    // Before the api has fetched any key: it only ever sees the bare ones.
    const faults = await httpRequest(flow.simUrl, 'PUT', '/_sim/faults', {
      body: { jwksBareKeys: true },
      skipContractCheck: NOT_THE_API,
    });
    if (faults.status !== 200) {
      throw new Error(`fal-sim refused jwksBareKeys: ${JSON.stringify(faults.body)}`);
    }
  });
  afterEach(() => assertLedgerConsistent(flow.api.dataSource));
  afterAll(() => flow?.close());

  async function create(body: Record<string, unknown>, credits = 1) {
    const { token } = await aUserWithCredits(flow.api.app, credits);
    const created = await flow.api.request('POST', '/api/infographs/create/', { token, body });
    expect(created.status).toBe(201);
    return { token, id: created.body.infographs[0].id as string };
  }

  /** The infograph once completed or failed, with the fal request id it was submitted as. */
  async function finished(token: string, id: string) {
    return (await flow.waitForTerminal(token, id)) as unknown as {
      status: string;
      error_message: string | null;
      aspect_ratio: string;
      request_id: string;
    };
  }

  /** fal-sim's view of the request, once every webhook of it has been delivered. */
  async function delivered(requestId: string): Promise<SimRequest> {
    return (
      await waitFor(
        () =>
          httpRequest(flow.simUrl, 'GET', `/_sim/requests/${requestId}`, {
            skipContractCheck: NOT_THE_API,
          }),
        (r) => r.body?.webhook?.finished === true,
        { describe: `fal-sim to finish delivering ${requestId}` },
      )
    ).body as SimRequest;
  }

  async function deliveries(infographId: string) {
    return flow.api.dataSource.query<{ outcome: string; signature_verified: boolean }[]>(
      `SELECT outcome, signature_verified FROM fal_webhook_deliveries
        WHERE infograph_id = $1 ORDER BY received_at`,
      [infographId],
    );
  }

  async function refunds(token: string): Promise<number> {
    const credits = await flow.api.request('GET', '/api/credits/', { token });
    return credits.body.entries.filter((e: { reason: string }) => e.reason === 'refund').length;
  }

  it('verifies webhooks against a JWKS whose keys carry only x', async () => {
    const jwks = await httpRequest(flow.simUrl, 'GET', '/.well-known/jwks.json', {
      skipContractCheck: NOT_THE_API,
    });
    expect(jwks.body.keys.length).toBeGreaterThan(0);
    for (const key of jwks.body.keys) {
      expect(Object.keys(key)).toEqual(['x']);
    }

    const { token, id } = await create({ prompt: 'Keys with only x' });
    const done = await finished(token, id);
    expect(done.status).toBe('completed');
    const sim = await delivered(done.request_id);
    expect(sim.webhook.attempts.map((a) => a.statusCode)).toEqual([200]);
    expect(await deliveries(id)).toEqual([{ outcome: 'accepted', signature_verified: true }]);
  });

  it('accepts a webhook signed with the gateway_request_id of a request fal retried', async () => {
    const { token, id } = await create({ prompt: 'Retried inside fal [sim:gateway-retry]' });
    const done = await finished(token, id);
    expect(done.status).toBe('completed');
    const requestId = done.request_id;
    const sim = await delivered(requestId);
    // The body's request_id is the one our submit got; fal-sim signed the other.
    expect(sim.requestId).toBe(requestId);
    expect(sim.gatewayRequestId).not.toBe(requestId);
    expect(sim.webhook.attempts.map((a) => a.statusCode)).toEqual([200]);
    expect(await deliveries(id)).toEqual([{ outcome: 'accepted', signature_verified: true }]);
  });

  it('fails a safety block (an OK with no images) clearly and refunds it exactly once', async () => {
    const { token, id } = await create({ prompt: 'Blocked [sim:empty-images,dup]' }, 3);
    const done = await finished(token, id);
    expect(done).toMatchObject({
      status: 'failed',
      error_code: 'content_blocked',
      error_message: SAFETY_BLOCK_REASON,
    });
    const sim = await delivered(done.request_id);
    // Both copies of the OK were taken (2xx), and changed nothing the second time.
    expect(sim.webhook.attempts.map((a) => a.statusCode)).toEqual([200, 200]);
    expect((await deliveries(id)).map((d) => d.outcome)).toEqual(['accepted', 'ignored_terminal']);
    expect(await refunds(token)).toBe(1);
    expect((await flow.api.request('GET', '/api/credits/', { token })).body.balance).toBe(3);
  });

  it('reads an ERROR saying a content checker flagged the prompt as a safety block', async () => {
    const { token, id } = await create({ prompt: 'Flagged [sim:fail-422]' }, 2);
    const done = await finished(token, id);
    expect(done).toMatchObject({
      status: 'failed',
      error_code: 'content_blocked',
      error_message: SAFETY_BLOCK_REASON,
    });
    expect(await refunds(token)).toBe(1);
    expect((await flow.api.request('GET', '/api/credits/', { token })).body.balance).toBe(2);
  });

  it('offers aspect_ratio auto and sends FAL_SAFETY_TOLERANCE as the model input', async () => {
    const { token, id } = await create({ prompt: 'Any shape', aspect_ratio: 'auto' });
    const done = await finished(token, id);
    expect(done).toMatchObject({ status: 'completed', aspect_ratio: 'auto' });
    const sim = await delivered(done.request_id);
    expect(sim.input).toMatchObject({ aspectRatio: 'auto', safetyTolerance: '2' });
  });
});
