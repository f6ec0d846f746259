import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Webhook } from 'standardwebhooks';

import { ReconcileProcessor } from '../../apps/worker/src/reconcile/reconcile.processor';
import { aUserWithCredits } from '../support/factories';
import { Flow, startFlow } from '../support/flow';
import { TestSmtpServer, startSmtpServer } from '../support/smtp-server';
import { TestApi, startTestApi } from '../support/test-app';
import { waitFor } from '../support/wait-for';

type Mode = 'ok' | 'fail' | 'slow';

interface Received {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  headers: IncomingHttpHeaders;
}

/**
 * A customer's receiver on loopback: records every request it gets, answers as `mode` says, and
 * can be taken down (its port closed) and brought back on the same port.
 */
class Receiver {
  mode: Mode = 'ok';
  readonly requests: Received[] = [];
  private server?: Server;
  port = 0;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests.push({
          id: String(req.headers['webhook-id']),
          timestamp: String(req.headers['webhook-timestamp']),
          signature: String(req.headers['webhook-signature']),
          body: Buffer.concat(chunks).toString('utf8'),
          headers: req.headers,
        });
        if (this.mode === 'slow') {
          setTimeout(() => res.writeHead(200).end(), 2000);
        } else {
          res.writeHead(this.mode === 'ok' ? 204 : 500).end();
        }
      });
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  /** The requests the secret verifies (with the `standardwebhooks` package), parsed. */
  verifiedWith(secret: string): { id: string; payload: any }[] {
    const hook = new Webhook(secret);
    return this.requests.flatMap((r) => {
      try {
        return [{ id: r.id, payload: hook.verify(r.body, r.headers as Record<string, string>) }];
      } catch {
        return [];
      }
    });
  }
}

const FAST_RETRIES = {
  WEBHOOK_ALLOW_INSECURE_URLS: 'true',
  WEBHOOK_RETRY_BASE_MS: '100',
  WEBHOOK_MAX_ATTEMPTS: '12',
  WEBHOOK_TIMEOUT_MS: '700',
};

describe('outbound webhooks (Standard Webhooks)', () => {
  let flow: Flow;
  let slowBlog: Server;
  let slowBlogUrl: string;
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    // Keeps a submit busy scraping, so the infograph can be cancelled while it is pending.
    slowBlog = createServer((_req, res) => {
      setTimeout(() => res.writeHead(200, { 'content-type': 'text/html' }).end('<p>x</p>'), 1500);
    });
    await new Promise<void>((r) => slowBlog.listen(0, '127.0.0.1', r));
    const port = (slowBlog.address() as AddressInfo).port;
    slowBlogUrl = `http://127.0.0.1:${port}/post`;
    flow = await startFlow({ ...FAST_RETRIES, SCRAPER_ALLOW_PRIVATE_HOSTS: `127.0.0.1:${port}` });
  });
  afterAll(async () => {
    await flow.close();
    await Promise.all(receivers.map((r) => r.stop()));
    await new Promise((r) => slowBlog.close(r));
  });

  async function aReceiver(): Promise<Receiver> {
    const receiver = await new Receiver().start();
    receivers.push(receiver);
    return receiver;
  }

  async function register(
    token: string,
    url: string,
    eventTypes = ['infograph.completed', 'infograph.failed'],
  ): Promise<{ id: string; secret: string }> {
    const res = await flow.api.request('POST', '/api/webhook-endpoints/', {
      token,
      body: { url, event_types: eventTypes },
    });
    expect(res.status).toBe(201);
    return res.body;
  }

  async function createOne(token: string, body: Record<string, unknown> = {}): Promise<string> {
    const res = await flow.api.request('POST', '/api/infographs/create/', {
      token,
      body: { prompt: 'How webhooks work', ...body },
    });
    expect(res.status).toBe(201);
    return res.body.infographs[0].id;
  }

  const deliveries = async (token: string, endpointId: string) =>
    (await flow.api.request('GET', `/api/webhook-endpoints/${endpointId}/deliveries/`, { token }))
      .body.deliveries as any[];

  /**
   * The barrier before asserting that nothing more was sent: every message of the endpoint is
   * finished (a finished message is never sent again), and there are `n` of them.
   */
  const allFinished = (token: string, endpointId: string, n: number) =>
    waitFor(
      () => deliveries(token, endpointId),
      (d) => d.length === n && d.every((m) => m.status !== 'pending'),
      { describe: `${n} finished messages` },
    );

  it('registers an endpoint with a secret shown once, lists it without, and keeps it to its owner', async () => {
    const { token } = await aUserWithCredits(flow.api.app, 0);
    const other = await aUserWithCredits(flow.api.app, 0);
    const created = await flow.api.request('POST', '/api/webhook-endpoints/', {
      token,
      body: { url: 'http://127.0.0.1:9/x', event_types: ['credits.low'], description: 'ci' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      url: 'http://127.0.0.1:9/x',
      event_types: ['credits.low'],
      description: 'ci',
      enabled: true,
    });
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);

    const list = await flow.api.request('GET', '/api/webhook-endpoints/', { token });
    expect(list.body.endpoints).toHaveLength(1);
    expect(list.body.endpoints[0].id).toBe(created.body.id);
    expect(JSON.stringify(list.body)).not.toContain(created.body.secret);

    for (const [method, path] of [
      ['GET', ''],
      ['GET', 'deliveries/'],
      ['POST', 'test/'],
      ['POST', 'rotate-secret/'],
      ['DELETE', ''],
    ]) {
      const res = await flow.api.request(
        method,
        `/api/webhook-endpoints/${created.body.id}/${path}`,
        {
          token: other.token,
        },
      );
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('not_found');
    }
    for (const body of [
      { url: 'http://127.0.0.1:9/x', event_types: ['infograph.deleted'] },
      { url: 'http://127.0.0.1:9/x', event_types: [] },
      { url: 'http://127.0.0.1:9/x', event_types: ['credits.low'], description: 'a\u0000b' },
      { url: 42, event_types: ['credits.low'] },
    ]) {
      const bad = await flow.api.request('POST', '/api/webhook-endpoints/', { token, body });
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('validation_failed');
    }
    const withNul = await flow.api.request('POST', '/api/webhook-endpoints/', {
      token,
      body: { url: 'http://127.0.0.1:9/a\u0000b', event_types: ['credits.low'] },
    });
    expect(withNul.status).toBe(201);
    expect(withNul.body.url).toBe('http://127.0.0.1:9/a%00b');
    await flow.api.request('DELETE', `/api/webhook-endpoints/${withNul.body.id}/`, { token });

    const removed = await flow.api.request('DELETE', `/api/webhook-endpoints/${created.body.id}/`, {
      token,
    });
    expect(removed.status).toBe(204);
    expect(
      (await flow.api.request('GET', '/api/webhook-endpoints/', { token })).body.endpoints,
    ).toEqual([]);
  });

  it('delivers infograph.completed signed with the endpoint’s secret, one webhook-id, attempts recorded', async () => {
    const receiver = await aReceiver();
    const { token } = await aUserWithCredits(flow.api.app, 1);
    const endpoint = await register(token, receiver.url);
    const id = await createOne(token);
    expect((await flow.waitForTerminal(token, id)).status).toBe('completed');

    const [delivery] = (
      await waitFor(
        () => deliveries(token, endpoint.id),
        (d) => d.length === 1 && d[0].status === 'delivered',
        { describe: 'the completed event to be delivered' },
      )
    ).map((d) => d);
    expect(delivery).toMatchObject({ event_type: 'infograph.completed', status: 'delivered' });
    expect(delivery.id).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(delivery.attempts).toEqual([
      expect.objectContaining({ status_code: 204, error: null, duration_ms: expect.any(Number) }),
    ]);

    const verified = receiver.verifiedWith(endpoint.secret);
    expect(verified).toHaveLength(1);
    expect(verified[0].id).toBe(delivery.id);
    expect(verified[0].payload).toMatchObject({
      type: 'infograph.completed',
      data: { id, status: 'completed', error_code: null },
    });
    expect(verified[0].payload.data.image_url).toMatch(/^http/);
  });

  it('sends each customer’s events to that customer only, under that customer’s secret only', async () => {
    const [receiverA, receiverB] = [await aReceiver(), await aReceiver()];
    const a = await aUserWithCredits(flow.api.app, 1);
    const b = await aUserWithCredits(flow.api.app, 1);
    const endpointA = await register(a.token, receiverA.url);
    const endpointB = await register(b.token, receiverB.url);
    const idA = await createOne(a.token);
    const idB = await createOne(b.token);
    await flow.waitForTerminal(a.token, idA);
    await flow.waitForTerminal(b.token, idB);
    await waitFor(
      () => [receiverA.requests.length, receiverB.requests.length],
      ([na, nb]) => na >= 1 && nb >= 1,
      { describe: 'both receivers to hear' },
    );
    await allFinished(a.token, endpointA.id, 1);
    await allFinished(b.token, endpointB.id, 1);

    expect(receiverA.verifiedWith(endpointA.secret).map((v) => v.payload.data.id)).toEqual([idA]);
    expect(receiverB.verifiedWith(endpointB.secret).map((v) => v.payload.data.id)).toEqual([idB]);
    expect(receiverA.verifiedWith(endpointB.secret)).toEqual([]);
    expect(receiverB.verifiedWith(endpointA.secret)).toEqual([]);
    expect(receiverA.requests).toHaveLength(1);
    expect(receiverB.requests).toHaveLength(1);
  });

  it('loses nothing to a receiver that is down, then fails, then is slow, then recovers: same webhook-id throughout', async () => {
    const receiver = await aReceiver();
    const { token } = await aUserWithCredits(flow.api.app, 1);
    const endpoint = await register(token, receiver.url);
    await receiver.stop();

    const id = await createOne(token);
    await flow.waitForTerminal(token, id);
    const attemptsSeen = async (n: number, describe: string) =>
      waitFor(
        () => deliveries(token, endpoint.id),
        (d) => d.length === 1 && d[0].attempts.length >= n,
        { timeoutMs: 20_000, describe },
      );
    const down = await attemptsSeen(1, 'an attempt while the receiver is down');
    expect(down[0].attempts[0]).toMatchObject({ status_code: null, error: expect.any(String) });

    receiver.mode = 'fail';
    await receiver.start();
    await waitFor(
      () => receiver.requests.length,
      (n) => n >= 1,
      { timeoutMs: 20_000, describe: 'an attempt answered 500' },
    );
    receiver.mode = 'slow';
    const before = receiver.requests.length;
    await waitFor(
      () => receiver.requests.length,
      (n) => n > before,
      { timeoutMs: 20_000, describe: 'an attempt the receiver is too slow for' },
    );
    receiver.mode = 'ok';
    const [delivered] = await waitFor(
      () => deliveries(token, endpoint.id),
      (d) => d[0]?.status === 'delivered',
      { timeoutMs: 30_000, describe: 'the delivery after recovery' },
    );

    const statuses = delivered.attempts.map((a: any) => a.status_code).reverse();
    expect(statuses[0]).toBeNull();
    expect(statuses).toContain(500);
    expect(statuses[statuses.length - 1]).toBe(204);
    expect(delivered.attempts.some((a: any) => /No answer within 700 ms/.test(a.error))).toBe(true);
    // Every request the receiver saw was the same message, and each one verifies.
    expect(new Set(receiver.requests.map((r) => r.id))).toEqual(new Set([delivered.id]));
    expect(receiver.verifiedWith(endpoint.secret)).toHaveLength(receiver.requests.length);
    const endpointNow = await flow.api.request('GET', `/api/webhook-endpoints/${endpoint.id}/`, {
      token,
    });
    expect(endpointNow.body).toMatchObject({ enabled: true, failing_since: null });
  });

  it('sends a cancel as infograph.failed with error_code cancelled, only to endpoints that want it', async () => {
    const [wantsFailures, wantsCompletions] = [await aReceiver(), await aReceiver()];
    const { token } = await aUserWithCredits(flow.api.app, 1);
    const endpoint = await register(token, wantsFailures.url, ['infograph.failed']);
    const completions = await register(token, wantsCompletions.url, ['infograph.completed']);
    const id = await createOne(token, { blog_url: slowBlogUrl });
    const cancelled = await flow.api.request('POST', `/api/infographs/${id}/cancel/`, { token });
    expect(cancelled.status).toBe(200);

    const [event] = (
      await waitFor(
        () => wantsFailures.verifiedWith(endpoint.secret),
        (v) => v.length === 1,
        { describe: 'the failed event' },
      )
    ).map((v) => v.payload);
    expect(event).toMatchObject({
      type: 'infograph.failed',
      data: { id, status: 'failed', error_code: 'cancelled' },
    });
    // One statement made the messages of every endpoint of the event: none is there for it.
    expect(await deliveries(token, completions.id)).toEqual([]);
    expect(wantsCompletions.requests).toEqual([]);
  });

  it('sends credits.low once, when a charge takes the balance below CREDITS_LOW_THRESHOLD (5)', async () => {
    const receiver = await aReceiver();
    const { token } = await aUserWithCredits(flow.api.app, 6);
    const endpoint = await register(token, receiver.url, ['credits.low']);
    await createOne(token); // 6 → 5: not below
    await createOne(token); // 5 → 4: crossed
    await createOne(token); // 4 → 3: already below
    const [event] = (
      await waitFor(
        () => receiver.verifiedWith(endpoint.secret),
        (v) => v.length >= 1,
        { describe: 'credits.low' },
      )
    ).map((v) => v.payload);
    expect(event).toMatchObject({ type: 'credits.low', data: { balance: 4, threshold: 5 } });
    // The charges (and so their announcements) were made before the creates answered.
    await allFinished(token, endpoint.id, 1);
    expect(receiver.requests).toHaveLength(1);
  });

  it('sends a test event, sends it again under the same webhook-id, and signs with both secrets while a rotation overlaps', async () => {
    const receiver = await aReceiver();
    const { token } = await aUserWithCredits(flow.api.app, 0);
    const endpoint = await register(token, receiver.url, ['credits.low']);
    const test = await flow.api.request('POST', `/api/webhook-endpoints/${endpoint.id}/test/`, {
      token,
    });
    expect(test.status).toBe(202);
    expect(test.body).toMatchObject({ event_type: 'webhook.test', status: 'pending' });
    await waitFor(
      () => receiver.requests.length,
      (n) => n === 1,
      { describe: 'the test event' },
    );

    const rotated = await flow.api.request(
      'POST',
      `/api/webhook-endpoints/${endpoint.id}/rotate-secret/`,
      { token },
    );
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(endpoint.secret);
    expect(Date.parse(rotated.body.previous_secret_expires_at)).toBeGreaterThan(Date.now());

    const again = await flow.api.request(
      'POST',
      `/api/webhook-endpoints/${endpoint.id}/deliveries/${test.body.id}/resend/`,
      { token },
    );
    expect(again.status).toBe(202);
    await waitFor(
      () => receiver.requests.length,
      (n) => n === 2,
      { describe: 'the test event, sent again' },
    );
    expect(receiver.requests.map((r) => r.id)).toEqual([test.body.id, test.body.id]);
    // Nobody else can send it again, even knowing both ids.
    const stranger = await aUserWithCredits(flow.api.app, 0);
    const refused = await flow.api.request(
      'POST',
      `/api/webhook-endpoints/${endpoint.id}/deliveries/${test.body.id}/resend/`,
      { token: stranger.token },
    );
    expect(refused.status).toBe(404);
    // The second one carries two signatures: the receiver may hold either secret.
    expect(receiver.requests[1].signature.split(' ')).toHaveLength(2);
    const second = [receiver.requests[1]];
    for (const secret of [endpoint.secret, rotated.body.secret]) {
      expect(
        second.every(
          (r) => new Webhook(secret).verify(r.body, r.headers as Record<string, string>) !== null,
        ),
      ).toBe(true);
    }
    const [delivery] = await allFinished(token, endpoint.id, 1);
    expect(receiver.requests).toHaveLength(2);
    expect(delivery.attempts).toHaveLength(2);
  });
});

describe('a message whose delivery job was lost (a Redis crash or failover)', () => {
  let flow: Flow;
  let receiver: Receiver;

  beforeAll(async () => {
    // The reconciler runs only when the test says, so each pass is observed.
    flow = await startFlow({ ...FAST_RETRIES, RECONCILE_INTERVAL_MS: '3600000' });
    receiver = await new Receiver().start();
  });
  afterAll(async () => {
    await flow.close();
    await receiver.stop();
  });

  it('is delivered by the reconciler under its webhook-id; one still retrying is left to its job', async () => {
    const { token } = await aUserWithCredits(flow.api.app, 0);
    const endpoint = await flow.api.request('POST', '/api/webhook-endpoints/', {
      token,
      body: { url: receiver.url, event_types: ['credits.low'] },
    });
    const db = flow.api.dataSource;
    const message = (id: string, minutesAgo: number, attempts: number) =>
      db.query(
        `INSERT INTO webhook_messages (id, endpoint_id, event_type, event_key, payload, attempts, created_at)
         VALUES ($1, $2, 'credits.low', $1, $3, $4, now() - make_interval(mins => $5))`,
        [
          id,
          endpoint.body.id,
          JSON.stringify({ type: 'credits.low', timestamp: new Date().toISOString(), data: {} }),
          attempts,
          minutesAgo,
        ],
      );
    // Committed by its announcement an hour ago; its job is gone with Redis' keys.
    await message('msg_lost', 60, 0);
    // Failed three times, the last just now: its next retry is not due yet.
    await message('msg_retrying', 60, 3);
    await db.query(
      `INSERT INTO webhook_attempts (message_id, status_code, duration_ms) VALUES ('msg_retrying', 500, 5)`,
    );

    const reconciler = flow.worker.get(ReconcileProcessor);
    expect(await reconciler.process()).toMatchObject({ webhooks: 1 });
    const delivered = await waitFor(
      () => receiver.verifiedWith(endpoint.body.secret),
      (v) => v.length === 1,
      { describe: 'the lost message' },
    );
    expect(delivered[0]).toMatchObject({ id: 'msg_lost', payload: { type: 'credits.low' } });
    await waitFor(
      () => db.query(`SELECT status FROM webhook_messages WHERE id = 'msg_lost'`),
      (rows: { status: string }[]) => rows[0].status === 'delivered',
      { describe: 'msg_lost delivered' },
    );
    // Delivered, it is not rung again; the retrying one still is not due.
    expect(await reconciler.process()).toMatchObject({ webhooks: 0 });
    expect(receiver.requests.map((r) => r.id)).toEqual(['msg_lost']);
  });
});

describe('retention of what was sent', () => {
  let flow: Flow;

  beforeAll(async () => {
    flow = await startFlow({ WEBHOOK_DELIVERY_RETENTION_DAYS: '30' });
  });
  afterAll(() => flow.close());

  it('prunes finished messages (and their attempts) past retention, never a pending one', async () => {
    const { user } = await aUserWithCredits(flow.api.app, 0);
    const db = flow.api.dataSource;
    const [endpoint] = await db.query(
      `INSERT INTO webhook_endpoints (user_id, url, event_types, secret)
       VALUES ($1, 'http://127.0.0.1:9/h', '{credits.low}', 'whsec_x') RETURNING id`,
      [user.id],
    );
    const message = (id: string, status: string, daysAgo: number) =>
      db.query(
        `INSERT INTO webhook_messages (id, endpoint_id, event_type, event_key, payload, status, created_at)
         VALUES ($1, $2, 'credits.low', $1, '{}', $3, now() - make_interval(days => $4))`,
        [id, endpoint.id, status, daysAgo],
      );
    // Pending while its attempt is added: the reconciler (every 300 ms) must not prune it first.
    await message('msg_old_delivered', 'pending', 31);
    await message('msg_old_failed', 'failed', 31);
    await message('msg_old_pending', 'pending', 31);
    await message('msg_new_delivered', 'delivered', 29);
    await db.query(
      `INSERT INTO webhook_attempts (message_id, status_code, duration_ms) VALUES ('msg_old_delivered', 200, 5)`,
    );
    await db.query(
      `UPDATE webhook_messages SET status = 'delivered' WHERE id = 'msg_old_delivered'`,
    );

    const ids = await waitFor(
      async () =>
        db.query<{ id: string }[]>(
          `SELECT id FROM webhook_messages WHERE endpoint_id = $1 ORDER BY id`,
          [endpoint.id],
        ),
      (rows) => rows.length === 2,
      { describe: 'the reconciler to prune the old finished messages' },
    );
    expect(ids.map((r) => r.id)).toEqual(['msg_new_delivered', 'msg_old_pending']);
    expect(
      await db.query(`SELECT 1 FROM webhook_attempts WHERE message_id = 'msg_old_delivered'`),
    ).toEqual([]);
  });
});

describe('an endpoint that keeps failing', () => {
  let flow: Flow;
  let smtp: TestSmtpServer;
  let receiver: Receiver;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    flow = await startFlow({
      ...FAST_RETRIES,
      WEBHOOK_DISABLE_AFTER_MS: '1500',
      SMTP_URL: smtp.url,
    });
    receiver = await new Receiver().start();
    receiver.mode = 'fail';
  });
  afterAll(async () => {
    await flow.close();
    await receiver.stop();
    await smtp.stop();
  });

  it('is disabled after WEBHOOK_DISABLE_AFTER_MS of failures, its owner mailed once, and can be re-enabled', async () => {
    const { user, token } = await aUserWithCredits(flow.api.app, 0);
    const res = await flow.api.request('POST', '/api/webhook-endpoints/', {
      token,
      body: { url: receiver.url, event_types: ['infograph.completed'] },
    });
    const endpointId: string = res.body.id;
    await flow.api.request('POST', `/api/webhook-endpoints/${endpointId}/test/`, { token });

    const disabled = await waitFor(
      () => flow.api.request('GET', `/api/webhook-endpoints/${endpointId}/`, { token }),
      (r) => r.body.enabled === false,
      { timeoutMs: 20_000, describe: 'the endpoint to be disabled' },
    );
    expect(disabled.body.disabled_at).not.toBeNull();
    const mail = await smtp.waitForMessage((m) => m.envelopeTo.includes(user.email), 10_000);
    expect(mail.subject).toBe('A webhook endpoint of yours was disabled');
    expect(mail.text).toContain(receiver.url);
    expect(mail.text).toContain(endpointId);

    // Nothing more is sent while it is disabled, a test event included.
    const heard = receiver.requests.length;
    const test = await flow.api.request('POST', `/api/webhook-endpoints/${endpointId}/test/`, {
      token,
    });
    // Its job has run once the message is finished: failed, unsent, as its endpoint is disabled.
    const finished = await waitFor(
      () => flow.api.request('GET', `/api/webhook-endpoints/${endpointId}/deliveries/`, { token }),
      (r) => r.body.deliveries.some((d: any) => d.id === test.body.id && d.status !== 'pending'),
      { describe: 'the test event to be given up' },
    );
    expect(finished.body.deliveries.find((d: any) => d.id === test.body.id)).toMatchObject({
      status: 'failed',
      attempts: [],
    });
    expect(receiver.requests.length).toBe(heard);
    expect(smtp.messages.filter((m) => m.envelopeTo.includes(user.email))).toHaveLength(1);

    receiver.mode = 'ok';
    const enabled = await flow.api.request('POST', `/api/webhook-endpoints/${endpointId}/enable/`, {
      token,
    });
    expect(enabled.body).toMatchObject({ enabled: true, failing_since: null });
    await flow.api.request('POST', `/api/webhook-endpoints/${endpointId}/test/`, { token });
    await waitFor(
      () => receiver.requests.length,
      (n) => n === heard + 1,
      { describe: 'a test event after re-enabling' },
    );
  });
});

describe('endpoint URLs in production settings', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it.each([
    ['http://example.com/hook', /https/],
    ['https://127.0.0.1/hook', /not a public internet address/],
    ['https://[::1]/hook', /not a public internet address/],
    ['https://10.0.0.8/hook', /not a public internet address/],
    ['https://localhost:8443/hook', /localhost/],
    ['https://user:pw@example.com/hook', /user name or password/],
    ['not a url', /full https/],
    [`https://example.com/${'\u0001'.repeat(2000)}x`, /percent-encoded/],
  ])('refuses %s with 400 invalid_webhook_url', async (url, message) => {
    const { token } = await aUserWithCredits(api.app, 0);
    const res = await api.request('POST', '/api/webhook-endpoints/', {
      token,
      body: { url, event_types: ['infograph.completed'] },
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_webhook_url');
    expect(res.body.message).toMatch(message);
  });

  it('accepts a public https URL', async () => {
    const { token } = await aUserWithCredits(api.app, 0);
    const res = await api.request('POST', '/api/webhook-endpoints/', {
      token,
      body: { url: 'https://example.com/hook', event_types: ['infograph.completed'] },
    });
    expect(res.status).toBe(201);
  });
});
