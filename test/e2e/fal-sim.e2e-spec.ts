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

/**
 * Polls until `probe` returns something truthy; the deadline is checked inside the loop. The
 * default is generous (as test/support/wait-for.ts's): it only costs time when a test fails.
 */
async function waitFor<T>(
  label: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 15_000,
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
      // How long a [sim:submit-timeout] submit hangs: far past the gateway timeout tested below.
      hangMs: 20_000,
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
        // Long enough that the first poll sees it running even on a busy machine.
        prompt: 'Quarterly revenue by region [sim:slow=4500]',
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
    // A free concurrency slot: it runs at once (fal says IN_QUEUE only in the submit answer).
    expect(seen).toEqual(['IN_PROGRESS', 'COMPLETED']);

    const [delivery] = await waitFor(
      'the webhook',
      () => receiver.at(path).length === 1 && receiver.at(path),
    );
    const identity = await verifier.verify(delivery);
    expect(identity).toEqual({ requestId, userId: 'fal-sim-user', timestamp: expect.any(Number) });
    const json = JSON.parse(delivery.rawBody.toString()) as Record<string, unknown>;
    // fal's OK envelope: `error: null`, and nano-banana-pro's output has no seed and no nsfw flags.
    expect(json).toMatchObject({ status: 'OK', error: null });
    expect(Object.keys(json.payload as object).sort()).toEqual(['description', 'images']);
    const body = parseFalWebhookBody(json);
    expect(body).toMatchObject({ kind: 'ok', requestId, nsfw: false });

    const result = await gateway.result(requestId);
    expect(result.images).toHaveLength(2);
    expect(result.images[0]).toMatchObject({ contentType: 'image/png', width: 1376, height: 768 });
    expect(body.kind === 'ok' && body.images).toEqual(result.images);

    const download = await fetch(result.images[0].url);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('image/png');
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(Number(download.headers.get('content-length'))).toBe(bytes.length);
    expect(bytes.length).toBe(result.images[0].fileSize);
    const png = PNG.sync.read(bytes);
    expect([png.width, png.height]).toEqual([1376, 768]);

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

    // Clocks 301 s off the delivery's own (whole-second) timestamp, not off now: a second that
    // passed since the delivery must not bring "301 s early" back inside the 300 s window.
    const signedAt = Number(h['x-fal-webhook-timestamp']) * 1000;
    const later = new FalWebhookVerifier(config, { now: () => signedAt + 301_000 });
    expect(await reason(later.verify(delivery))).toBe('stale_timestamp');
    const earlier = new FalWebhookVerifier(config, { now: () => signedAt - 301_000 });
    expect(await reason(earlier.verify(delivery))).toBe('stale_timestamp');

    const { ['x-fal-webhook-signature']: _dropped, ...unsigned } = h;
    expect(await reason(verifier.verify({ rawBody: delivery.rawBody, headers: unsigned }))).toBe(
      'missing_header',
    );
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

  it('turns a submit 422 (the validateAtSubmit fault) into a readable FalPermanentError', async () => {
    const faults = (body: object) =>
      fetch(`${simUrl}/_sim/faults`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    await faults({ validateAtSubmit: true });
    try {
      const error = await gateway
        .submit({ prompt: '', num_images: 9 }, `${receiver.url}/unused`)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FalPermanentError);
      expect(error).toMatchObject({ status: 422 });
      expect((error as Error).message).toMatch(
        /^fal rejected the input: prompt: .+; num_images: .+/,
      );
    } finally {
      await faults({ validateAtSubmit: false });
    }
    // [sim:submit-422] refuses even good input, the same way.
    await expect(
      gateway.submit({ prompt: 'Refused [sim:submit-422]' }, `${receiver.url}/unused`),
    ).rejects.toMatchObject({ status: 422 });
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
    // fal-sim holds the answer 20 s (hangMs): our 300 ms timeout must end it long before that.
    expect(Date.now() - started).toBeLessThan(5000);
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
    // A barrier, not a clock: a plain request submitted after it, with the same latency, has
    // finished and delivered its webhook, so the stuck one would have too, were it ever going to.
    const witness = await gateway.submit({ prompt: 'Not stuck' }, `${receiver.url}${hookPath()}`);
    await waitFor('the plain request’s webhook', async () => {
      const r = await simRequest(witness.requestId);
      return r.webhook.finished && r;
    });
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

/**
 * What fal does that a kinder simulator would hide, each on by default: bad input fails later,
 * status answers 202 until done, an account runs a few requests at once, a running request may
 * ignore a cancel. Raw HTTP where the status code or the exact JSON is the point.
 */
describe('fal-sim behaves like fal.ai by default', () => {
  const MODEL = 'fal-ai/nano-banana-pro';
  let sim: FastifyInstance;
  let simUrl: string;
  let receiver: WebhookReceiver;
  let config: AppConfig;
  let gateway: FalGateway;
  let hookCount = 0;

  const hookUrl = (): { path: string; url: string } => {
    const path = `/fal-like/${++hookCount}`;
    return { path, url: `${receiver.url}${path}` };
  };
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${simUrl}${path}`, {
      method,
      headers: { authorization: 'Key test:secret', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as Record<string, any>,
    };
  };
  const submit = (input: unknown, webhookUrl: string) =>
    call('POST', `/${MODEL}?fal_webhook=${encodeURIComponent(webhookUrl)}`, input);
  const statusOf = (id: string) => call('GET', `/${MODEL}/requests/${id}/status`);
  const view = async (id: string) =>
    (await (await fetch(`${simUrl}/_sim/requests/${id}`)).json()) as Record<string, any>;
  const webhookAt = async (path: string, count = 1) =>
    (
      await waitFor(`${count} webhook(s) at ${path}`, () => {
        const got = receiver.at(path);
        return got.length >= count && got;
      })
    ).map((d) => JSON.parse(d.rawBody.toString()) as Record<string, any>);
  const faults = (body: object) =>
    fetch(`${simUrl}/_sim/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    // Only test-speed settings; every fal-likeness knob keeps its default.
    sim = await buildFalSim({ port: 0, latencyMs: 200, seed: 'fal-like', webhookRetryBaseMs: 700 });
    simUrl = falSimUrl(sim);
    receiver = new WebhookReceiver();
    await receiver.start();
    config = loadConfig({ NODE_ENV: 'test', FAL_SIM_PORT: String(new URL(simUrl).port) });
    gateway = new FalGateway(config);
  });

  afterAll(async () => {
    await sim?.close();
    await receiver?.stop();
  });

  it('accepts bad input at submit, then fails it: ERROR webhook and a 422 result', async () => {
    const hook = hookUrl();
    const submitted = await submit(
      { prompt: 'Bad input', num_images: 9, safety_tolerance: 4 },
      hook.url,
    );
    expect(submitted).toMatchObject({ status: 200, body: { status: 'IN_QUEUE' } });
    const id = submitted.body.request_id as string;

    const [envelope] = await webhookAt(hook.path);
    const detail = [
      { loc: ['body', 'num_images'], msg: expect.any(String), type: 'less_than_equal' },
      { loc: ['body', 'safety_tolerance'], msg: expect.any(String), type: 'literal_error' },
    ];
    expect(envelope).toEqual({
      request_id: id,
      gateway_request_id: expect.any(String),
      status: 'ERROR',
      error: 'Invalid status code: 422',
      payload: { detail },
    });
    expect(parseFalWebhookBody(envelope)).toMatchObject({
      kind: 'error',
      message: expect.stringMatching(
        /^Invalid status code: 422 \(num_images: .+; safety_tolerance/,
      ),
    });
    expect(await statusOf(id)).toMatchObject({
      status: 200,
      body: { status: 'COMPLETED', error: 'Invalid status code: 422' },
    });
    expect(await call('GET', `/${MODEL}/requests/${id}`)).toMatchObject({
      status: 422,
      body: { detail },
    });
    await expect(gateway.result(id)).rejects.toMatchObject({
      constructor: FalPermanentError,
      status: 422,
    });

    // Only a body that is not JSON at all is refused at once: fal's gateway must parse it.
    const garbled = await fetch(`${simUrl}/${MODEL}`, {
      method: 'POST',
      headers: { authorization: 'Key test:secret', 'content-type': 'application/json' },
      body: '{"prompt":',
    });
    expect(garbled.status).toBe(422);
  });

  it('answers status 202 until done, 200 after; failures are COMPLETED with error_type', async () => {
    const running = await submit({ prompt: 'Codes [sim:slow=1500]' }, hookUrl().url);
    const id = running.body.request_id as string;
    expect(await statusOf(id)).toMatchObject({ status: 202, body: { status: 'IN_PROGRESS' } });
    // The real @fal-ai/client takes the 202 as an answer, not an error.
    expect(await gateway.status(id)).toEqual({ state: 'IN_PROGRESS' });
    const done = await waitFor('COMPLETED', async () => {
      const answer = await statusOf(id);
      return answer.body.status === 'COMPLETED' && answer;
    });
    expect(done.status).toBe(200);
    expect(done.body.error).toBeUndefined();

    const failed = await submit({ prompt: 'Codes [sim:fail]' }, hookUrl().url);
    const failedId = failed.body.request_id as string;
    const settled = await waitFor('COMPLETED', async () => {
      const answer = await statusOf(failedId);
      return answer.body.status === 'COMPLETED' && answer;
    });
    expect(settled).toMatchObject({
      status: 200,
      body: { error: 'Invalid status code: 500', error_type: 'runner_server_error' },
    });
    const result = await call('GET', `/${MODEL}/requests/${failedId}`);
    expect(result.status).toBe(500);
    expect(result.headers.get('x-fal-error-type')).toBe('runner_server_error');
  });

  it("sends nano-banana-pro's output: auto ratio, string safety_tolerance, fal's pixel sizes", async () => {
    const square = hookUrl();
    await submit(
      { prompt: 'Auto', aspect_ratio: 'auto', resolution: '2K', safety_tolerance: '2' },
      square.url,
    );
    const [ok] = await webhookAt(square.path);
    expect(ok).toMatchObject({ status: 'OK', error: null });
    expect(Object.keys(ok.payload as object).sort()).toEqual(['description', 'images']);
    expect(ok.payload.images[0]).toMatchObject({ width: 2048, height: 2048 });

    // 4K is about 16 megapixels; the file really is that size (its PNG header says so).
    const wide = hookUrl();
    await submit({ prompt: 'Wide', aspect_ratio: '16:9', resolution: '4K' }, wide.url);
    const [big] = await webhookAt(wide.path);
    expect(big.payload.images[0]).toMatchObject({ width: 5504, height: 3072 });
    const png = Buffer.from(await (await fetch(big.payload.images[0].url)).arrayBuffer());
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([5504, 3072]);

    // Only the nsfw fault adds has_nsfw_concepts.
    const flagged = hookUrl();
    await submit({ prompt: 'Spicy [sim:nsfw]' }, flagged.url);
    const [nsfw] = await webhookAt(flagged.path);
    expect(nsfw.payload.has_nsfw_concepts).toEqual([true]);
  });

  it('runs 4 at once; the rest wait IN_QUEUE, never rejected, with a real position', async () => {
    const submitted = [];
    for (let i = 0; i < 6; i++) {
      const hook = hookUrl();
      const answer = await submit({ prompt: `Busy ${i} [sim:slow=1500]` }, hook.url);
      expect(answer.status).toBe(200);
      submitted.push({ id: answer.body.request_id as string, hook, answer: answer.body });
    }
    expect(submitted.map((s) => s.answer.queue_position)).toEqual([0, 0, 0, 0, 0, 1]);
    const states = await Promise.all(submitted.map((s) => statusOf(s.id)));
    expect(states.map((s) => s.body.status)).toEqual([
      ...Array(4).fill('IN_PROGRESS'),
      'IN_QUEUE',
      'IN_QUEUE',
    ]);
    expect(states[5]).toMatchObject({ status: 202, body: { queue_position: 1 } });

    // Cancelling a queued request removes it: the one behind moves up, the other never runs.
    const [fifth, sixth] = submitted.slice(4);
    expect((await call('PUT', `/${MODEL}/requests/${fifth.id}/cancel`)).body).toEqual({
      status: 'CANCELLATION_REQUESTED',
    });
    expect((await statusOf(sixth.id)).body).toMatchObject({
      status: 'IN_QUEUE',
      queue_position: 0,
    });
    const [cancelled] = await webhookAt(fifth.hook.path);
    expect(cancelled).toMatchObject({ status: 'ERROR', error: expect.stringMatching(/cancel/i) });
    expect(await statusOf(fifth.id)).toMatchObject({
      body: { status: 'COMPLETED', error_type: 'client_cancelled' },
    });

    // Latency counts from the start: the sixth waited for a slot, then ran its full 1.5 s.
    await webhookAt(sixth.hook.path);
    const last = await view(sixth.id);
    const waited = Date.parse(last.startedAt) - Date.parse(last.createdAt);
    const ran = Date.parse(last.completedAt) - Date.parse(last.startedAt);
    expect(waited).toBeGreaterThanOrEqual(1400);
    expect(ran).toBeGreaterThanOrEqual(1500);
    expect((await view(fifth.id)).startedAt).toBeUndefined();
  });

  it('may ignore a cancel of a running request, which then completes and says OK', async () => {
    const hook = hookUrl();
    const { body } = await submit({ prompt: 'Keep going [sim:cancel-ignored,slow=800]' }, hook.url);
    const id = body.request_id as string;
    expect(await gateway.cancel(id)).toBe('cancelled');
    const [delivery] = await webhookAt(hook.path);
    expect(delivery).toMatchObject({ status: 'OK', error: null });
    expect((await statusOf(id)).body.error).toBeUndefined();
    await expect(gateway.result(id)).resolves.toHaveProperty('images');
    expect((await view(id)).cancel).toEqual({ at: expect.any(String), ignored: true });

    // A runner that honours it stops: ERROR webhook, COMPLETED with client_cancelled.
    await faults({ cancelIgnoredRate: 0 });
    try {
      const stopped = hookUrl();
      const run = await submit({ prompt: 'Stop [sim:slow=5000]' }, stopped.url);
      expect(await gateway.cancel(run.body.request_id as string)).toBe('cancelled');
      const [error] = await webhookAt(stopped.path);
      expect(error).toMatchObject({ status: 'ERROR' });
      expect((await view(run.body.request_id as string)).state).toBe('CANCELLED');
    } finally {
      await faults({ cancelIgnoredRate: 0.5 });
    }
  });

  it('keeps the first timestamp on webhook retries with [sim:retry-keeps-timestamp]', async () => {
    const kept = hookUrl();
    const fresh = hookUrl();
    // Three attempts 0.7 s and 1.4 s apart: at least two different seconds.
    receiver.failFirst(kept.path, 2);
    receiver.failFirst(fresh.path, 2);
    await submit({ prompt: 'Same time [sim:retry-keeps-timestamp]' }, kept.url);
    await submit({ prompt: 'New time' }, fresh.url);
    await webhookAt(kept.path, 3);
    await webhookAt(fresh.path, 3);
    const stamps = (path: string) =>
      new Set(receiver.at(path).map((d) => d.headers['x-fal-webhook-timestamp']));
    expect(stamps(kept.path).size).toBe(1);
    expect(stamps(fresh.path).size).toBeGreaterThan(1);
    // Still validly signed: the signature covers the timestamp it carries.
    const verifier = new FalWebhookVerifier(config);
    await expect(verifier.verify(receiver.at(kept.path)[2])).resolves.toHaveProperty('requestId');
  });

  it('draws run times like fal by resolution with FAL_SIM_LATENCY_PROFILE=fal, scaled', async () => {
    const scaled = await buildFalSim({
      port: 0,
      seed: 'profile',
      latencyProfile: 'fal',
      latencyScale: 0.01,
    });
    try {
      const url = falSimUrl(scaled);
      const local = new FalGateway(
        loadConfig({ NODE_ENV: 'test', FAL_SIM_PORT: new URL(url).port }),
      );
      const planned = async (resolution: '1K' | '4K') => {
        const { requestId } = await local.submit({ prompt: 'Timed', resolution }, `${url}/unused`);
        const r = (await (await fetch(`${url}/_sim/requests/${requestId}`)).json()) as {
          plan: { latencyMs: number };
        };
        return r.plan.latencyMs;
      };
      // fal: 15–25 s at 1K, 50–70 s at 4K, a tail to 150 s; here a hundredth of that.
      expect(await planned('1K')).toBeGreaterThanOrEqual(150);
      expect(await planned('1K')).toBeLessThanOrEqual(1500);
      expect(await planned('4K')).toBeGreaterThanOrEqual(500);
      expect(await planned('4K')).toBeLessThanOrEqual(1500);
    } finally {
      await scaled.close();
    }
  });
});
