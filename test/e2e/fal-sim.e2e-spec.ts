import { generateKeyPairSync, createHash, sign } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import { FastifyInstance } from 'fastify';
import { PNG } from 'pngjs';

import { AppConfig, loadConfig } from '@app/config';
import {
  FalGateway,
  FalPermanentError,
  FalRequestStatus,
  FalTransientError,
  FalWebhookVerifier,
  parseFalWebhookBody,
  WebhookSignatureError,
} from '@app/fal';

import { buildFalSim, falSimUrl } from '../../apps/fal-sim/src/fal-sim.app';

/** fal-sim driven through the real @fal-ai/client (via FalGateway) and our webhook verifier. */

interface Delivery {
  path: string;
  rawBody: Buffer;
  headers: IncomingHttpHeaders;
}

/** A plain HTTP webhook receiver; a path can be told to answer 500 a few times first. */
class WebhookReceiver {
  readonly deliveries: Delivery[] = [];
  private readonly failuresLeft = new Map<string, number>();
  private server?: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const path = req.url ?? '/';
        this.deliveries.push({ path, rawBody: Buffer.concat(chunks), headers: req.headers });
        const left = this.failuresLeft.get(path) ?? 0;
        this.failuresLeft.set(path, Math.max(0, left - 1));
        res.writeHead(left > 0 ? 500 : 200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  failFirst(path: string, times: number): void {
    this.failuresLeft.set(path, times);
  }

  at(path: string): Delivery[] {
    return this.deliveries.filter((d) => d.path === path);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

/** Polls until `probe` returns something truthy; the deadline is checked inside the loop. */
async function waitFor<T>(
  label: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${label}`);
    }
    await sleep(15);
  }
}

const LATENCY_MS = 300;
const SEED = 'e2e-seed';

describe('fal-sim through FalGateway and FalWebhookVerifier', () => {
  let sim: FastifyInstance;
  let simUrl: string;
  let receiver: WebhookReceiver;
  let config: AppConfig;
  let gateway: FalGateway;
  let verifier: FalWebhookVerifier;
  let hookCount = 0;

  const hookPath = (): string => `/hook/${++hookCount}`;
  const admin = async <T = Record<string, unknown>>(
    path: string,
    init?: RequestInit,
  ): Promise<T> => {
    const response = await fetch(`${simUrl}${path}`, init);
    return (await response.json()) as T;
  };
  type AdminRequest = {
    state: string;
    plan: Record<string, unknown>;
    seed: number;
    output?: { images: Array<{ file_size: number }> };
    webhook: { lost: boolean; finished: boolean; attempts: Array<{ statusCode?: number }> };
  };
  const simRequest = (id: string) => admin<AdminRequest>(`/_sim/requests/${id}`);
  const submitsFor = async (prompt: string) =>
    (
      await admin<{ submits: Array<{ prompt?: string; outcome: string }> }>('/_sim/submits')
    ).submits.filter((s) => s.prompt === prompt);

  beforeAll(async () => {
    sim = await buildFalSim({
      port: 0,
      latencyMs: LATENCY_MS,
      seed: SEED,
      webhookRetryBaseMs: 20,
      hangMs: 2000,
    });
    simUrl = falSimUrl(sim);
    receiver = new WebhookReceiver();
    await receiver.start();
    config = loadConfig({ NODE_ENV: 'test', FAL_SIM_PORT: String(new URL(simUrl).port) });
    gateway = new FalGateway(config);
    verifier = new FalWebhookVerifier(config);
  });

  afterAll(async () => {
    await sim?.close();
    await receiver?.stop();
  });

  it('points the gateway at fal-sim through the config', () => {
    expect(config.fal.simulated).toBe(true);
    expect(config.fal.queueUrl).toBe(simUrl);
    expect(config.fal.jwksUrl).toBe(`${simUrl}/.well-known/jwks.json`);
  });

  it('runs a request end to end: states, signed webhook, result and a real PNG', async () => {
    const path = hookPath();
    const { requestId } = await gateway.submit(
      {
        prompt: 'Quarterly revenue by region [sim:slow=900]',
        num_images: 2,
        aspect_ratio: '16:9',
        resolution: '1K',
      },
      `${receiver.url}${path}`,
    );

    const seen: FalRequestStatus['state'][] = [];
    await waitFor('COMPLETED', async () => {
      const status = await gateway.status(requestId);
      if (seen.at(-1) !== status.state) {
        seen.push(status.state);
      }
      return status.state === 'COMPLETED' ? status : undefined;
    });
    expect(seen).toEqual(['IN_QUEUE', 'IN_PROGRESS', 'COMPLETED']);

    const [delivery] = await waitFor(
      'the webhook',
      () => receiver.at(path).length === 1 && receiver.at(path),
    );
    const identity = await verifier.verify(delivery);
    expect(identity).toEqual({ requestId, userId: 'fal-sim-user', timestamp: expect.any(Number) });
    const body = parseFalWebhookBody(JSON.parse(delivery.rawBody.toString()));
    expect(body).toMatchObject({ kind: 'ok', requestId, nsfw: false });

    const result = await gateway.result(requestId);
    expect(result.images).toHaveLength(2);
    expect(result.images[0]).toMatchObject({ contentType: 'image/png', width: 1024, height: 576 });
    expect(body.kind === 'ok' && body.images).toEqual(result.images);

    const download = await fetch(result.images[0].url);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('image/png');
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(Number(download.headers.get('content-length'))).toBe(bytes.length);
    expect(bytes.length).toBe(result.images[0].fileSize);
    const png = PNG.sync.read(bytes);
    expect([png.width, png.height]).toEqual([1024, 576]);

    expect(await gateway.cancel(requestId)).toBe('too_late');
  });

  it('rejects tampered bodies, other keys, stale timestamps and missing headers', async () => {
    const path = hookPath();
    await gateway.submit({ prompt: 'Signature checks' }, `${receiver.url}${path}`);
    const [delivery] = await waitFor(
      'the webhook',
      () => receiver.at(path).length > 0 && receiver.at(path),
    );
    await expect(verifier.verify(delivery)).resolves.toMatchObject({ userId: 'fal-sim-user' });

    const reason = (promise: Promise<unknown>) =>
      promise.then(
        () => 'verified',
        (error: unknown) => (error instanceof WebhookSignatureError ? error.reason : String(error)),
      );

    const tampered = Buffer.from(
      delivery.rawBody.toString().replace('Signature checks', 'Signature check!'),
    );
    expect(await reason(verifier.verify({ ...delivery, rawBody: tampered }))).toBe('bad_signature');

    const other = generateKeyPairSync('ed25519').privateKey;
    const h = delivery.headers as Record<string, string>;
    const message = `${h['x-fal-webhook-request-id']}\n${h['x-fal-webhook-user-id']}\n${h['x-fal-webhook-timestamp']}\n${createHash('sha256').update(delivery.rawBody).digest('hex')}`;
    const forged = {
      ...h,
      'x-fal-webhook-signature': sign(null, Buffer.from(message), other).toString('hex'),
    };
    expect(await reason(verifier.verify({ rawBody: delivery.rawBody, headers: forged }))).toBe(
      'bad_signature',
    );

    const later = new FalWebhookVerifier(config, { now: () => Date.now() + 301_000 });
    expect(await reason(later.verify(delivery))).toBe('stale_timestamp');
    const earlier = new FalWebhookVerifier(config, { now: () => Date.now() - 301_000 });
    expect(await reason(earlier.verify(delivery))).toBe('stale_timestamp');

    const { ['x-fal-webhook-signature']: _dropped, ...unsigned } = h;
    expect(await reason(verifier.verify({ rawBody: delivery.rawBody, headers: unsigned }))).toBe(
      'missing_header',
    );
  });

  it('cancels a queued request (ERROR webhook, never a result) but not a finished one', async () => {
    const path = hookPath();
    const { requestId } = await gateway.submit(
      { prompt: 'Cancel me [sim:slow=3000]' },
      `${receiver.url}${path}`,
    );
    expect(await gateway.cancel(requestId)).toBe('cancelled');

    const status = await gateway.status(requestId);
    expect(status).toMatchObject({ state: 'COMPLETED', error: expect.stringMatching(/cancel/i) });
    expect((await simRequest(requestId)).state).toBe('CANCELLED');
    await expect(gateway.result(requestId)).rejects.toMatchObject({ status: 400 });

    const [delivery] = await waitFor(
      'the ERROR webhook',
      () => receiver.at(path).length > 0 && receiver.at(path),
    );
    expect(parseFalWebhookBody(JSON.parse(delivery.rawBody.toString()))).toMatchObject({
      kind: 'error',
      requestId,
    });
    expect(await gateway.cancel(requestId)).toBe('too_late');
  });

  it('answers 401 without an Authorization: Key header and 404 for unknown ids', async () => {
    const response = await fetch(`${simUrl}/fal-ai/nano-banana-pro`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'no key' }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toContain('application/json');

    await expect(gateway.status('00000000-0000-0000-0000-000000000000')).rejects.toMatchObject({
      constructor: FalPermanentError,
      status: 404,
    });
  });

  it('turns a 422 into a readable FalPermanentError', async () => {
    const error = await gateway
      .submit({ prompt: '', num_images: 9 }, `${receiver.url}/unused`)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FalPermanentError);
    expect(error).toMatchObject({ status: 422 });
    expect((error as Error).message).toMatch(/^fal rejected the input: prompt: .+; num_images: .+/);
  });

  it('turns submit 500 into FalTransientError at once (the client does not retry 500)', async () => {
    const prompt = 'Boom [sim:submit-500]';
    const error = await gateway
      .submit({ prompt }, `${receiver.url}/unused`)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FalTransientError);
    expect(error).toMatchObject({ status: 500 });
    expect(await submitsFor(prompt)).toHaveLength(1);
  });

  it('turns submit 429 into FalTransientError after the client retried it', async () => {
    const prompt = 'Busy [sim:submit-429]';
    const error = await gateway
      .submit({ prompt }, `${receiver.url}/unused`)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FalTransientError);
    expect(error).toMatchObject({ status: 429 });
    // @fal-ai/client retries a 429 submit 3 times (about 7 s of backoff) before giving up.
    expect(await submitsFor(prompt)).toHaveLength(4);
  }, 30_000);

  it('fails the first two submits of a [sim:submit-fail-2] prompt, then accepts', async () => {
    const prompt = `Flaky ${Date.now()} [sim:submit-fail-2]`;
    const attempt = () =>
      gateway.submit({ prompt }, `${receiver.url}/unused`).then(
        () => 'ok',
        (e: unknown) => e,
      );
    expect(await attempt()).toBeInstanceOf(FalTransientError);
    expect(await attempt()).toBeInstanceOf(FalTransientError);
    expect(await attempt()).toBe('ok');
  });

  it('gives up on a hanging submit with our own timeout (FalTransientError)', async () => {
    const impatient = new FalGateway(config, { submitTimeoutMs: 300 });
    const started = Date.now();
    const error = await impatient
      .submit({ prompt: 'Hang [sim:submit-timeout]' }, `${receiver.url}/unused`)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FalTransientError);
    expect((error as FalTransientError).status).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('reports a failed generation as an ERROR webhook and a failing result', async () => {
    const path = hookPath();
    const { requestId } = await gateway.submit(
      { prompt: 'Broken [sim:fail-422]' },
      `${receiver.url}${path}`,
    );
    const [delivery] = await waitFor(
      'the ERROR webhook',
      () => receiver.at(path).length > 0 && receiver.at(path),
    );
    await verifier.verify(delivery);
    const body = parseFalWebhookBody(JSON.parse(delivery.rawBody.toString()));
    expect(body).toMatchObject({ kind: 'error', requestId });
    expect(body.kind === 'error' && body.message).toMatch(
      /^Invalid status code: 422 \(prompt: .+\)$/,
    );
    expect(await gateway.status(requestId)).toMatchObject({
      state: 'COMPLETED',
      error: 'Invalid status code: 422',
    });
    await expect(gateway.result(requestId)).rejects.toBeInstanceOf(FalPermanentError);

    const plain = hookPath();
    const failed = await gateway.submit({ prompt: 'Broken [sim:fail]' }, `${receiver.url}${plain}`);
    const [second] = await waitFor(
      'the ERROR webhook',
      () => receiver.at(plain).length > 0 && receiver.at(plain),
    );
    expect(JSON.parse(second.rawBody.toString())).toMatchObject({
      request_id: failed.requestId,
      status: 'ERROR',
      error: 'Invalid status code: 500',
    });
  });

  it('retries a failing receiver until it answers 2xx, recording every attempt', async () => {
    const path = hookPath();
    receiver.failFirst(path, 2);
    const { requestId } = await gateway.submit({ prompt: 'Retry me' }, `${receiver.url}${path}`);
    const finished = await waitFor('delivery to finish', async () => {
      const r = await simRequest(requestId);
      return r.webhook.finished && r;
    });
    expect(finished.webhook.attempts.map((a) => a.statusCode)).toEqual([500, 500, 200]);
    expect(receiver.at(path)).toHaveLength(3);
  });

  it('duplicates, reorders, flags nsfw and loses webhooks on request', async () => {
    const dup = hookPath();
    const dupped = await gateway.submit({ prompt: 'Twice [sim:dup]' }, `${receiver.url}${dup}`);
    const twice = await waitFor(
      'two deliveries',
      () => receiver.at(dup).length === 2 && receiver.at(dup),
    );
    for (const delivery of twice) {
      await expect(verifier.verify(delivery)).resolves.toMatchObject({
        requestId: dupped.requestId,
      });
    }

    const order = hookPath();
    await gateway.submit({ prompt: 'Late truth [sim:out-of-order]' }, `${receiver.url}${order}`);
    const pair = await waitFor(
      'two deliveries',
      () => receiver.at(order).length === 2 && receiver.at(order),
    );
    expect(
      pair.map((d) => (JSON.parse(d.rawBody.toString()) as { status: string }).status),
    ).toEqual(['ERROR', 'OK']);

    const nsfw = hookPath();
    await gateway.submit({ prompt: 'Spicy [sim:nsfw]' }, `${receiver.url}${nsfw}`);
    const [flagged] = await waitFor(
      'the webhook',
      () => receiver.at(nsfw).length > 0 && receiver.at(nsfw),
    );
    expect(parseFalWebhookBody(JSON.parse(flagged.rawBody.toString()))).toMatchObject({
      kind: 'ok',
      nsfw: true,
    });

    const lost = hookPath();
    const { requestId } = await gateway.submit(
      { prompt: 'Gone [sim:lost]' },
      `${receiver.url}${lost}`,
    );
    const settled = await waitFor('COMPLETED', async () => {
      const r = await simRequest(requestId);
      return r.state === 'COMPLETED' && r;
    });
    expect(settled.webhook).toEqual({ lost: true, finished: true, attempts: [] });
    expect(receiver.at(lost)).toHaveLength(0);
  });

  it('keeps a [sim:stuck] request IN_PROGRESS', async () => {
    const path = hookPath();
    const { requestId } = await gateway.submit(
      { prompt: 'Forever [sim:stuck]' },
      `${receiver.url}${path}`,
    );
    await waitFor(
      'IN_PROGRESS',
      async () => (await gateway.status(requestId)).state === 'IN_PROGRESS',
    );
    await sleep(LATENCY_MS * 3);
    expect(await gateway.status(requestId)).toEqual({ state: 'IN_PROGRESS' });
    await expect(gateway.result(requestId)).rejects.toMatchObject({ status: 400 });
    expect(receiver.at(path)).toHaveLength(0);
  });

  it('changes fault rates at runtime through the admin API', async () => {
    const bad = await fetch(`${simUrl}/_sim/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ submit500Rate: 2 }),
    });
    expect(bad.status).toBe(400);

    const put = (body: object) =>
      admin('/_sim/faults', {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    await put({ submit500Rate: 1 });
    try {
      await expect(
        gateway.submit({ prompt: 'Toggle' }, `${receiver.url}/unused`),
      ).rejects.toBeInstanceOf(FalTransientError);
    } finally {
      await put({ submit500Rate: 0 });
    }
    await expect(
      gateway.submit({ prompt: 'Toggle' }, `${receiver.url}/unused`),
    ).resolves.toHaveProperty('requestId');
  });

  it('repeats seeds, images and fault dice for the same FAL_SIM_SEED', async () => {
    const dice = { latencyMs: 0, failRate: 0.5, webhookDupRate: 0.5, nsfwRate: 0.5 };
    const sims = await Promise.all([
      buildFalSim({ port: 0, seed: 'repeat', ...dice }),
      buildFalSim({ port: 0, seed: 'repeat', ...dice }),
      buildFalSim({ port: 0, seed: 'another', ...dice }),
    ]);
    try {
      const runs = await Promise.all(
        sims.map(async (instance) => {
          const url = falSimUrl(instance);
          const local = new FalGateway(
            loadConfig({ NODE_ENV: 'test', FAL_SIM_PORT: new URL(url).port }),
          );
          const plans: unknown[] = [];
          for (const prompt of ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta']) {
            const { requestId } = await local.submit({ prompt }, `${receiver.url}/unused`);
            const view = await waitFor('settled', async () => {
              const r = (await (
                await fetch(`${url}/_sim/requests/${requestId}`)
              ).json()) as AdminRequest;
              return r.state !== 'IN_QUEUE' && r.state !== 'IN_PROGRESS' && r;
            });
            plans.push({
              plan: view.plan,
              seed: view.seed,
              state: view.state,
              sizes: view.output?.images.map((image) => image.file_size),
            });
          }
          return plans;
        }),
      );
      expect(runs[1]).toEqual(runs[0]);
      expect(runs[2]).not.toEqual(runs[0]);
    } finally {
      await Promise.all(sims.map((instance) => instance.close()));
    }
  });

  it('follows a key rotation by refetching the JWKS once', async () => {
    // Its own fal-sim: rotating the shared one would leave the shared verifier's cache stale for 30 s.
    const rotating = await buildFalSim({ port: 0, latencyMs: 0 });
    try {
      const url = falSimUrl(rotating);
      const local = loadConfig({ NODE_ENV: 'test', FAL_SIM_PORT: new URL(url).port });
      const localGateway = new FalGateway(local);
      const fresh = new FalWebhookVerifier(local, { minFetchIntervalMs: 0 });
      const before = hookPath();
      await localGateway.submit({ prompt: 'Before rotation' }, `${receiver.url}${before}`);
      const [first] = await waitFor(
        'first webhook',
        () => receiver.at(before).length > 0 && receiver.at(before),
      );
      await fresh.verify(first);

      await fetch(`${url}/_sim/keys/rotate`, { method: 'POST' });
      const after = hookPath();
      await localGateway.submit({ prompt: 'After rotation' }, `${receiver.url}${after}`);
      const [second] = await waitFor(
        'second webhook',
        () => receiver.at(after).length > 0 && receiver.at(after),
      );
      await expect(fresh.verify(second)).resolves.toMatchObject({ userId: 'fal-sim-user' });
      // The pinned-interval verifier cached the old key and may not refetch yet.
      const strict = new FalWebhookVerifier(local, { minFetchIntervalMs: 60_000 });
      await strict.verify(second);
      const rotated = await fetch(`${url}/_sim/keys/rotate`, { method: 'POST' });
      expect(rotated.status).toBe(200);
      const third = hookPath();
      await localGateway.submit({ prompt: 'After second rotation' }, `${receiver.url}${third}`);
      const [late] = await waitFor(
        'third webhook',
        () => receiver.at(third).length > 0 && receiver.at(third),
      );
      await expect(strict.verify(late)).rejects.toMatchObject({ reason: 'bad_signature' });
    } finally {
      await rotating.close();
    }
  });
});
