import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { failureMessage, InfographCreationService } from '@app/infographs';
import WebSocket from 'ws';

import { NotifyProcessor } from '../../apps/worker/src/notify/notify.processor';
import { SubmitProcessor } from '../../apps/worker/src/submit/submit.processor';
import { UploadProcessor } from '../../apps/worker/src/upload/upload.processor';
import { aUserWithCredits } from '../support/factories';
import { issuedWebhookPath } from '../support/fal-webhook-signing';
import { Flow, startFlow } from '../support/flow';
import { failedReasonOf } from '../support/job-failure';
import { assertLedgerConsistent } from '../support/ledger';
import { S3TestServer, startS3Server } from '../support/s3-server';
import { TestSmtpServer, startSmtpServer } from '../support/smtp-server';
import { waitFor } from '../support/wait-for';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...Array(64).fill(7)]);

async function refunds(flow: Flow, id: string): Promise<number> {
  const [{ n }] = await flow.api.dataSource.query<{ n: number }[]>(
    `SELECT count(*)::int AS n FROM credit_ledger WHERE infograph_id = $1 AND reason = 'refund'`,
    [id],
  );
  return n;
}

describe('upload to S3, e-mail and live events through the whole pipeline', () => {
  let s3: S3TestServer;
  let smtp: TestSmtpServer;
  let flow: Flow;

  beforeAll(async () => {
    s3 = await startS3Server({ bucket: 'infographs' });
    smtp = await startSmtpServer();
    flow = await startFlow({
      S3_ENDPOINT: s3.endpoint,
      S3_BUCKET: s3.bucket,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
      S3_PUBLIC_BASE_URL: 'https://images.example.test',
      SMTP_URL: smtp.url,
    });
  });
  afterEach(() => assertLedgerConsistent(flow.api.dataSource));
  afterAll(async () => {
    await flow.close();
    await s3.stop();
    await smtp.stop();
  });

  it('runs WORKER_CONCURRENCY jobs at once on every step queue', () => {
    const running = [SubmitProcessor, UploadProcessor, NotifyProcessor].map(
      (step) => flow.worker.get(step).worker.concurrency,
    );
    expect(running).toEqual([100, 100, 100]);
  });

  it('stores the image in the bucket, mails the user and pushes processing → completed', async () => {
    const { user, token } = await aUserWithCredits(flow.api.app, 1);
    const socket = new WebSocket(`${flow.api.url.replace('http', 'ws')}/api/ws`, {
      headers: { authorization: `Token ${token}` },
    });
    const events: { type: string; infograph?: { id: string; status: string } }[] = [];
    socket.on('message', (data: Buffer) => events.push(JSON.parse(data.toString('utf8'))));
    await waitFor(
      () => events,
      (e) => e.some((m) => m.type === 'hello'),
      { describe: 'hello' },
    );

    const created = await flow.api.request('POST', '/api/infographs/create/', {
      token,
      body: { prompt: 'to the bucket' },
    });
    const id = created.body.infographs[0].id as string;
    const done = await flow.waitForTerminal(token, id);
    expect(done.status).toBe('completed');
    const key = `infographs/${user.id}/${id}.png`;
    expect(done.image_url).toBe(`https://images.example.test/${key}`);

    const client = new S3Client({
      endpoint: s3.endpoint,
      region: 'auto',
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    });
    const object = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
    expect(object.ContentType).toBe('image/png');
    expect(Buffer.from(await object.Body!.transformToByteArray()).subarray(0, 4)).toEqual(
      PNG.subarray(0, 4),
    );
    client.destroy();

    const mail = await smtp.waitForMessage((m) => m.envelopeTo.includes(user.email), 10_000);
    expect(mail.subject).toBe('Your infographic is ready');
    expect(mail.text).toContain(done.image_url);

    const statuses = await waitFor(
      () => events.filter((e) => e.infograph?.id === id).map((e) => e.infograph!.status),
      (s) => s.includes('completed'),
      { describe: 'the completed event' },
    );
    expect(statuses).toEqual(['processing', 'completed']);
    // The submit's event says about how long it takes: a typical time at its resolution (fal's
    // 1K band without history, then the median of recent completions).
    const [submitted] = events.filter((e: any) => e.infograph?.id === id) as any[];
    expect(submitted.infograph.eta_ms).toBeGreaterThan(0);
    socket.close();
  });

  it('re-enqueues a submit job lost after the create transaction', async () => {
    const { user, token } = await aUserWithCredits(flow.api.app, 1);
    // The create committed but its enqueue never happened (a crash, a Redis blip).
    const { response } = await flow.api.app
      .get(InfographCreationService)
      .create(
        user.id,
        { prompt: 'orphaned', blogUrl: null, aspectRatio: '1:1', resolution: '1K', count: 1 },
        (made) => made,
      );
    expect((await flow.waitForTerminal(token, response.ids[0], 30_000)).status).toBe('completed');
  });
});

describe('failures that end in one refund', () => {
  let flow: Flow;
  let media: Server;
  let forbidden: Server;
  let mediaHost: string;
  let forbiddenHits = 0;

  beforeAll(async () => {
    forbidden = createServer((_req, res) => {
      forbiddenHits += 1;
      res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
    });
    await new Promise<void>((r) => forbidden.listen(0, '127.0.0.1', r));
    const forbiddenUrl = `http://127.0.0.1:${(forbidden.address() as AddressInfo).port}/x.png`;
    media = createServer((req, res) => {
      if (req.url === '/redirect.png') {
        res.writeHead(302, { location: forbiddenUrl }).end();
      } else if (req.url === '/huge.png') {
        res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(300_000, 1));
      } else if (req.url === '/page.png') {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html>not an image</html>');
      } else {
        res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
      }
    });
    await new Promise<void>((r) => media.listen(0, '127.0.0.1', r));
    mediaHost = `127.0.0.1:${(media.address() as AddressInfo).port}`;
    flow = await startFlow({
      // Webhooks are posted by the test itself here, unsigned (a local-experiments setting).
      FAL_WEBHOOK_VERIFY: 'false',
      FAL_MEDIA_HOSTS: mediaHost,
      IMAGE_MAX_BYTES: '100000',
      RECONCILE_PROCESSING_AFTER_MS: '600000',
    });
  });
  afterEach(() => assertLedgerConsistent(flow.api.dataSource));
  afterAll(async () => {
    await flow.close();
    await new Promise((r) => media.close(r));
    await new Promise((r) => forbidden.close(r));
  });

  /** An infograph fal never answers for, so the test can deliver the result it wants. */
  async function processingInfograph(): Promise<{ id: string; token: string }> {
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
    return { id, token };
  }

  it.each([
    [
      'an image on a host outside the allow-list',
      () => `http://127.0.0.1:${(forbidden.address() as AddressInfo).port}/x.png`,
      /not one of fal's media hosts/,
    ],
    [
      'a redirect off the allowed host',
      () => `http://${mediaHost}/redirect.png`,
      /redirects are not followed/,
    ],
    ['an oversized image', () => `http://${mediaHost}/huge.png`, /over the 100000-byte limit/],
    [
      'a response that is not an image',
      () => `http://${mediaHost}/page.png`,
      /text\/html, not a PNG/,
    ],
  ])(
    'fails %s clearly, refunds once, and fetches nothing from the forbidden host',
    async (_name, url, reason) => {
      const { id, token } = await processingInfograph();
      const hook = await flow.api.request('POST', issuedWebhookPath(id), {
        body: { images: [{ url: url(), content_type: 'image/png' }] },
      });
      expect(hook.status).toBe(200);
      const done = await flow.waitForTerminal(token, id);
      expect(done).toMatchObject({
        status: 'failed',
        error_code: 'generation_failed',
        error_message: failureMessage('generation_failed'),
      });
      // The exact cause is for operators: the upload job's failed reason.
      expect(await failedReasonOf(flow, 'upload', id)).toMatch(reason);
      expect(await refunds(flow, id)).toBe(1);
      expect(forbiddenHits).toBe(0);
    },
  );

  it('ignores a late success after a failure: terminal stays terminal, one refund', async () => {
    const { id, token } = await processingInfograph();
    await flow.api.request('POST', issuedWebhookPath(id), {
      body: {
        request_id: (await flow.api.request('GET', `/api/infographs/status/${id}/`, { token })).body
          .request_id,
        status: 'ERROR',
        error: 'boom',
        payload: null,
      },
    });
    expect((await flow.waitForTerminal(token, id)).status).toBe('failed');
    const late = await flow.api.request('POST', issuedWebhookPath(id), {
      body: { images: [{ url: `http://${mediaHost}/ok.png` }] },
    });
    expect(late.status).toBe(200);
    expect(late.body.outcome).toBe('ignored_terminal');
    expect(
      (await flow.api.request('GET', `/api/infographs/status/${id}/`, { token })).body.status,
    ).toBe('failed');
    expect(await refunds(flow, id)).toBe(1);
  });
});

describe('timeouts and outages', () => {
  it('gives up a request fal never finishes at GENERATION_TIMEOUT_MS, with one refund', async () => {
    const flow = await startFlow({ GENERATION_TIMEOUT_MS: '3000' });
    try {
      const { token } = await aUserWithCredits(flow.api.app, 1);
      const created = await flow.api.request('POST', '/api/infographs/create/', {
        token,
        body: { prompt: 'never [sim:stuck]' },
      });
      const id = created.body.infographs[0].id as string;
      // On its way, the status says where it is and for how long.
      const generating = await waitFor(
        () => flow.api.request('GET', `/api/infographs/status/${id}/`, { token }),
        (r) => r.body.status !== 'pending',
        { describe: 'submitted' },
      );
      expect(generating.body).toMatchObject({
        status: 'processing',
        stage: 'generating',
        started_at: generating.body.created_at,
        elapsed_ms: expect.any(Number),
      });
      expect(generating.body.elapsed_ms).toBeGreaterThan(0);
      const done = await flow.waitForTerminal(token, id, 30_000);
      expect(done).toMatchObject({
        status: 'failed',
        stage: 'failed',
        error_code: 'timed_out',
        error_message: failureMessage('timed_out', { timeoutMs: 3000 }),
      });
      expect(await refunds(flow, id)).toBe(1);
      expect((await flow.api.request('GET', '/api/credits/', { token })).body.balance).toBe(1);
      // Given up at fal too, not only here: fal-sim recorded the cancel. A running request may
      // ignore it, as on fal (then it stays IN_PROGRESS: it is stuck), so only the ask is ours.
      const { request_id: requestId } = (
        await flow.api.request('GET', `/api/infographs/status/${id}/`, { token })
      ).body;
      const atFal = await fetch(`${flow.simUrl}/_sim/requests/${requestId}`);
      const view = (await atFal.json()) as { state: string; cancel?: { ignored: boolean } };
      expect(view.cancel).toBeDefined();
      expect(view.state).toBe(view.cancel?.ignored ? 'IN_PROGRESS' : 'CANCELLED');
      await assertLedgerConsistent(flow.api.dataSource);
    } finally {
      await flow.close();
    }
  });

  it('gives up at GENERATION_TIMEOUT_MS an infograph that never reached fal, with one refund', async () => {
    // Its submit job never ran and the reconciler would not requeue it in time: the bound holds
    // whatever an infograph waits for (the fal circuit breaker's hold included).
    const flow = await startFlow({
      GENERATION_TIMEOUT_MS: '2000',
      RECONCILE_PENDING_AFTER_MS: '600000',
    });
    try {
      const { user, token } = await aUserWithCredits(flow.api.app, 1);
      const { response } = await flow.api.app.get(InfographCreationService).create(
        user.id,
        {
          prompt: 'never submitted',
          blogUrl: null,
          aspectRatio: '1:1',
          resolution: '1K',
          count: 1,
        },
        (made) => made,
      );
      const id = response.ids[0];
      const waiting = await flow.api.request('GET', `/api/infographs/status/${id}/`, { token });
      expect(waiting.body).toMatchObject({ status: 'pending', stage: 'queued' });
      const done = await flow.waitForTerminal(token, id, 30_000);
      expect(done).toMatchObject({
        status: 'failed',
        error_code: 'timed_out',
        error_message: failureMessage('timed_out', { timeoutMs: 2000 }),
      });
      expect(await refunds(flow, id)).toBe(1);
      expect((await flow.api.request('GET', '/api/credits/', { token })).body.balance).toBe(1);
      await assertLedgerConsistent(flow.api.dataSource);
    } finally {
      await flow.close();
    }
  });

  it('fails and refunds once when storage is down for every attempt', async () => {
    const flow = await startFlow({
      S3_ENDPOINT: 'http://127.0.0.1:1',
      S3_BUCKET: 'nowhere',
      S3_ACCESS_KEY_ID: 'x',
      S3_SECRET_ACCESS_KEY: 'y',
      S3_FORCE_PATH_STYLE: 'true',
      S3_PUBLIC_BASE_URL: 'https://images.example.test',
    });
    try {
      const { token } = await aUserWithCredits(flow.api.app, 1);
      const created = await flow.api.request('POST', '/api/infographs/create/', {
        token,
        body: { prompt: 'no bucket' },
      });
      const id = created.body.infographs[0].id as string;
      const done = await flow.waitForTerminal(token, id, 40_000);
      expect(done).toMatchObject({
        status: 'failed',
        error_code: 'storage_failed',
        error_message: failureMessage('storage_failed'),
      });
      expect(await refunds(flow, id)).toBe(1);
      await assertLedgerConsistent(flow.api.dataSource);
    } finally {
      await flow.close();
    }
  });
});
