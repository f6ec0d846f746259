// What fal's webhook leaves behind: forged traffic is counted in full but recorded only as a
// sample, and deliveries are pruned after their retention period.
import { randomUUID } from 'node:crypto';

import { ReconcileProcessor } from '../../apps/worker/src/reconcile/reconcile.processor';
import {
  forgedWebhookHeaders,
  issuedWebhookPath,
  signedWebhookHeaders,
  strangerKey,
} from '../support/fal-webhook-signing';
import { Flow, startFlow } from '../support/flow';
import { freePort } from '../support/free-port';
import { httpRequest, startTestApi } from '../support/test-app';

/** One sample's value from Prometheus text output (0 when absent). */
function sample(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

describe('fal webhook records', () => {
  let flow: Flow;

  const rejectedRows = async () =>
    (
      await flow.api.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM fal_webhook_deliveries WHERE outcome = 'invalid_signature'`,
      )
    )[0].n;

  beforeAll(async () => {
    flow = await startFlow({ WEBHOOK_REJECTIONS_RECORDED_PER_MINUTE: '5' });
  });
  afterAll(() => flow?.close());

  it('counts every forged delivery but writes only a bounded sample of them', async () => {
    const rowsBefore = await rejectedRows();
    const forged = 60;
    for (let i = 0; i < forged; i += 1) {
      const id = randomUUID();
      const response = await httpRequest(flow.api.url, 'POST', issuedWebhookPath(id), {
        body: { request_id: 'forged', status: 'OK', payload: { images: [] } },
        headers: forgedWebhookHeaders('forged'),
      });
      expect(response.status).toBe(401);
    }
    // At most one window's sample (two if the minute turned during the loop).
    const written = (await rejectedRows()) - rowsBefore;
    expect(written).toBeGreaterThanOrEqual(1);
    expect(written).toBeLessThanOrEqual(10);
    const metrics = (await flow.api.request('GET', '/metrics')).body as string;
    expect(
      sample(metrics, 'ainfographic_fal_webhook_deliveries_total{outcome="invalid_signature"}'),
    ).toBe(forged);
  });

  it('deletes deliveries older than the retention period when the reconciler runs', async () => {
    const ds = flow.api.dataSource;
    const [oldId, freshId] = [randomUUID(), randomUUID()];
    await ds.query(
      `INSERT INTO fal_webhook_deliveries (infograph_id, outcome, signature_verified, received_at)
       VALUES ($1, 'orphan', true, now() - interval '31 days'),
              ($2, 'orphan', true, now() - interval '29 days')`,
      [oldId, freshId],
    );
    // The flow's own scheduled reconciler may run first: either way, the old row goes.
    await flow.worker.get(ReconcileProcessor).process();
    const left = await ds.query<{ infograph_id: string }[]>(
      `SELECT infograph_id FROM fal_webhook_deliveries WHERE infograph_id = ANY($1)`,
      [[oldId, freshId]],
    );
    expect(left).toEqual([{ infograph_id: freshId }]);
  });
});

describe("fal webhook while fal's keys are out of reach", () => {
  it('answers 503 with a Retry-After, so fal delivers again later, and still records it', async () => {
    // Nothing listens there: the JWKS cannot be fetched, and no keys are cached yet.
    const closed = await freePort();
    const api = await startTestApi({
      FAL_JWKS_URL: `http://127.0.0.1:${closed}/.well-known/jwks.json`,
    });
    try {
      const id = randomUUID();
      const body = JSON.stringify({
        request_id: 'req-keys',
        gateway_request_id: 'req-keys',
        status: 'OK',
        error: null,
        payload: { images: [{ url: 'https://v3.fal.media/files/x.png' }], description: '' },
      });
      const rowsBefore = await api.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM fal_webhook_deliveries WHERE outcome = 'invalid_signature'`,
      );
      const response = await httpRequest(api.url, 'POST', issuedWebhookPath(id), {
        body,
        headers: signedWebhookHeaders(strangerKey(), 'req-keys', body),
      });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('30');
      expect(response.body.message).toMatch(/deliver again later/);

      const metrics = (await api.request('GET', '/metrics')).body as string;
      expect(
        sample(metrics, 'ainfographic_fal_webhook_deliveries_total{outcome="invalid_signature"}'),
      ).toBe(1);
      const rowsAfter = await api.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM fal_webhook_deliveries WHERE outcome = 'invalid_signature'`,
      );
      expect(rowsAfter[0].n).toBeGreaterThan(rowsBefore[0].n);
    } finally {
      await api.close();
    }
  });
});
