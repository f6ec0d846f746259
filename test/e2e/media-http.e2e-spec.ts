import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { FastifyInstance } from 'fastify';

import { buildFalSim, falSimUrl } from '../../apps/fal-sim/src/fal-sim.app';
import { aUserWithCredits } from '../support/factories';
import { issuedWebhookPath } from '../support/fal-webhook-signing';
import { Flow, startFlow } from '../support/flow';
import { failedReasonOf } from '../support/job-failure';
import { assertLedgerConsistent } from '../support/ledger';
import { waitFor } from '../support/wait-for';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

/**
 * fal's media hosts are https; only fal-sim (no FAL_KEY) serves images over http. With a FAL_KEY
 * the upload refuses http media whatever NODE_ENV says, unless FAL_MEDIA_ALLOW_HTTP is set (a
 * test setting production refuses). The key here is fake: FAL_QUEUE_URL sends its calls to
 * fal-sim, `[sim:stuck]` keeps fal from answering, and the test delivers the result itself.
 */
describe('fal media over http, with a FAL_KEY', () => {
  let media: Server;
  let mediaHost: string;
  let mediaHits = 0;
  let sim: FastifyInstance;

  beforeAll(async () => {
    sim = await buildFalSim({
      port: 0,
      host: '127.0.0.1',
      latencyMs: 50,
      seed: 'media-http',
      logger: false,
    });
    media = createServer((_req, res) => {
      mediaHits += 1;
      res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
    });
    await new Promise<void>((r) => media.listen(0, '127.0.0.1', r));
    mediaHost = `127.0.0.1:${(media.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => media.close(r));
    await sim?.close();
  });

  /** A flow on a fake fal key whose queue is a fal-sim of the test's own (the flow's goes unused). */
  async function startKeyedFlow(settings: Record<string, string> = {}): Promise<Flow> {
    return startFlow({
      FAL_KEY: 'fake-key-id:fake-key-secret',
      FAL_WEBHOOK_USER_ID: 'fal-user-test',
      FAL_QUEUE_URL: falSimUrl(sim),
      // The test posts the result itself, unsigned (a local-experiments setting).
      FAL_WEBHOOK_VERIFY: 'false',
      FAL_MEDIA_HOSTS: mediaHost,
      RECONCILE_PROCESSING_AFTER_MS: '600000',
      ...settings,
    });
  }

  async function deliverHttpImage(flow: Flow): Promise<{ id: string; token: string }> {
    const { token } = await aUserWithCredits(flow.api.app, 1);
    const created = await flow.api.request('POST', '/api/infographs/create/', {
      token,
      body: { prompt: 'hold [sim:stuck]' },
    });
    const id = created.body.infographs[0].id as string;
    await waitFor(
      () => flow.api.request('GET', `/api/infographs/status/${id}/`, { token }),
      (r) => r.body.status === 'processing',
    );
    const hook = await flow.api.request('POST', issuedWebhookPath(id), {
      body: { images: [{ url: `http://${mediaHost}/x.png`, content_type: 'image/png' }] },
    });
    expect(hook.status).toBe(200);
    return { id, token };
  }

  it('refuses an http image for good, says https only, and refunds', async () => {
    const flow = await startKeyedFlow();
    try {
      const before = mediaHits;
      const { id, token } = await deliverHttpImage(flow);
      const done = await flow.waitForTerminal(token, id);
      expect(done).toMatchObject({ status: 'failed', error_code: 'generation_failed' });
      expect(await failedReasonOf(flow, 'upload', id)).toMatch(
        /^generation_failed after 1 attempt: .*https only/,
      );
      expect((await flow.api.request('GET', '/api/credits/', { token })).body.balance).toBe(1);
      expect(mediaHits).toBe(before);
      await assertLedgerConsistent(flow.api.dataSource);
    } finally {
      await flow.close();
    }
  });

  it('downloads an http image when FAL_MEDIA_ALLOW_HTTP=true', async () => {
    const flow = await startKeyedFlow({ FAL_MEDIA_ALLOW_HTTP: 'true' });
    try {
      const before = mediaHits;
      const { id, token } = await deliverHttpImage(flow);
      expect((await flow.waitForTerminal(token, id)).status).toBe('completed');
      expect(mediaHits).toBe(before + 1);
      await assertLedgerConsistent(flow.api.dataSource);
    } finally {
      await flow.close();
    }
  });
});
