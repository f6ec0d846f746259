import { createHash, randomUUID } from 'node:crypto';

import { ApiTokensService } from '@app/auth';
import { AppConfig } from '@app/config';
import { InfographUpdatedEvent } from '@app/infographs';
import { RealtimePublisher } from '@app/notifications';
import { REDIS } from '@app/redis';
import type IORedis from 'ioredis';
import WebSocket from 'ws';

import { RealtimeGateway } from '../../apps/api/src/realtime/realtime.gateway';
import { checkSocketMessage, checkUpgradeRefusal } from '../support/contract-check';
import { aUserWithCredits } from '../support/factories';
import { PrivateRedis } from '../support/redis-server';
import { TestApi, dataSourceOf, httpRequest, startTestApi } from '../support/test-app';
import { waitFor } from '../support/wait-for';

interface RealtimeApi {
  app: TestApi['app'];
  wsUrl: string;
  httpUrl: string;
  close(): Promise<void>;
}

/** The real api (ApiModule imports RealtimeModule), with its WebSocket base URL. */
async function startRealtimeApi(overrides: Record<string, string> = {}): Promise<RealtimeApi> {
  const api = await startTestApi(overrides);
  return {
    app: api.app,
    httpUrl: api.url,
    wsUrl: api.url.replace(/^http/, 'ws'),
    close: () => api.close(),
  };
}

/** A `ws` client that records every message and how it closed. */
class Client {
  readonly messages: any[] = [];
  closed?: { code: number; reason: string };

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: WebSocket.RawData) => {
      this.messages.push(JSON.parse(Buffer.from(data as Buffer).toString('utf8')));
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
    });
  }

  static connect(url: string, options: WebSocket.ClientOptions = {}): Promise<Client> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { handshakeTimeout: 5000, ...options });
      const client = new Client(socket);
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) =>
        reject(new Error(`upgrade refused with HTTP ${res.statusCode}`)),
      );
    });
  }

  /** Waits (bounded) for the first message matching `predicate`. */
  async next(predicate: (message: any) => boolean, timeoutMs = 5000): Promise<any> {
    const messages = await waitFor(
      () => this.messages,
      (all) => all.some(predicate),
      { timeoutMs, intervalMs: 20, describe: 'a matching WebSocket message' },
    );
    const message = messages.find(predicate);
    await checkSocketMessage(message);
    return message;
  }

  async waitClosed(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    await waitFor(
      () => this.closed,
      (closed) => closed !== undefined,
      { timeoutMs, intervalMs: 20, describe: 'the socket to close' },
    );
    return this.closed!;
  }

  close(): void {
    this.socket.terminate();
  }
}

/** Attempts an upgrade that should be refused; resolves with the HTTP status and JSON body. */
function refusedUpgrade(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers, handshakeTimeout: 5000 });
    socket.once('open', () => {
      socket.terminate();
      reject(new Error('the upgrade was accepted'));
    });
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => {
        // terminate() reports the unfinished handshake as an error: not this request's outcome.
        socket.removeListener('error', reject);
        socket.on('error', () => undefined);
        socket.terminate();
        const body: unknown = text ? JSON.parse(text) : undefined;
        checkUpgradeRefusal(body).then(
          () => resolve({ status: res.statusCode ?? 0, body }),
          reject,
        );
      });
    });
  });
}

function updated(
  userId: string,
  status: 'completed' | 'failed' = 'completed',
): InfographUpdatedEvent {
  const id = randomUUID();
  return {
    type: 'infograph.updated',
    userId,
    infograph: {
      id,
      status,
      image_url: status === 'completed' ? `http://127.0.0.1:3000/files/${id}.png` : null,
      error_message: status === 'failed' ? 'generation failed' : null,
      error_code: status === 'failed' ? 'generation_failed' : null,
      updated_at: new Date().toISOString(),
      stage: status,
      started_at: new Date(Date.now() - 20_000).toISOString(),
      elapsed_ms: 20_000,
    },
  };
}

const isUpdate = (id: string) => (m: any) =>
  m.type === 'infograph.updated' && m.infograph.id === id;

/** What a browser does before each (re)connect: trade its token for a one-time ticket. */
async function ticketFor(api: { httpUrl: string }, token: string): Promise<string> {
  const res = await httpRequest(api.httpUrl, 'POST', '/api/ws/ticket/', { token });
  expect(res.status).toBe(201);
  return res.body.ticket as string;
}

async function ticketUrl(api: RealtimeApi, token: string): Promise<string> {
  return `${api.wsUrl}/api/ws?ticket=${await ticketFor(api, token)}`;
}

const withToken = (token: string): WebSocket.ClientOptions => ({
  headers: { authorization: `Token ${token}` },
});

/** The id of the token's row, as `token:list` shows it. */
async function tokenIdOf(app: RealtimeApi['app'], token: string): Promise<string> {
  return (await app.get(ApiTokensService).findByPlainToken(token))!.id;
}

describe('realtime /api/ws', () => {
  let api: RealtimeApi;
  const clients: Client[] = [];
  const connect = async (url: string, options?: WebSocket.ClientOptions): Promise<Client> => {
    const client = await Client.connect(url, options);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    api = await startRealtimeApi();
  });
  afterEach(() => {
    for (const client of clients.splice(0)) {
      client.close();
    }
  });
  afterAll(() => api.close());

  it('accepts a token in the Authorization header and says hello', async () => {
    const { user, token } = await aUserWithCredits(api.app, 0);
    const client = await connect(`${api.wsUrl}/api/ws`, {
      headers: { authorization: `Token ${token}` },
    });
    // A new user has no events yet: nothing to go on from.
    expect(await client.next((m) => m.type === 'hello')).toEqual({
      type: 'hello',
      user_id: user.id,
      id: null,
    });
  });

  it('accepts a ticket (browsers) and a Bearer header, with or without the trailing slash', async () => {
    const { user, token } = await aUserWithCredits(api.app, 0);
    const byTicket = await connect(`${api.wsUrl}/api/ws/?ticket=${await ticketFor(api, token)}`);
    const byBearer = await connect(`${api.wsUrl}/api/ws`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect((await byTicket.next((m) => m.type === 'hello')).user_id).toBe(user.id);
    expect((await byBearer.next((m) => m.type === 'hello')).user_id).toBe(user.id);
  });

  it('issues random, short-lived tickets to an authenticated caller only', async () => {
    const { token } = await aUserWithCredits(api.app, 0);
    const first = await httpRequest(api.httpUrl, 'POST', '/api/ws/ticket/', { token });
    const second = await httpRequest(api.httpUrl, 'POST', '/api/ws/ticket', { token });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      ticket: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      expires_in: 30,
    });
    expect(second.body.ticket).not.toBe(first.body.ticket);

    // Kept in Redis under the app's prefix, by a hash of the ticket, for 30 s at most.
    const redis = api.app.get<IORedis>(REDIS);
    const prefix = api.app.get(AppConfig).redis.prefix;
    const key = `${prefix}:ws-ticket:${createHash('sha256').update(first.body.ticket).digest('hex')}`;
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30_000);
    expect(await redis.get(key)).not.toContain(first.body.ticket);

    const anonymous = await httpRequest(api.httpUrl, 'POST', '/api/ws/ticket/');
    expect(anonymous.status).toBe(401);
  });

  it('accepts a ticket once, and not after its token was revoked', async () => {
    const { user, token } = await aUserWithCredits(api.app, 0);
    const ticket = await ticketFor(api, token);
    const client = await connect(`${api.wsUrl}/api/ws?ticket=${ticket}`);
    expect((await client.next((m) => m.type === 'hello')).user_id).toBe(user.id);

    const replayed = await refusedUpgrade(`${api.wsUrl}/api/ws?ticket=${ticket}`);
    expect(replayed.status).toBe(401);
    expect(replayed.body.message).toMatch(/POST \/api\/ws\/ticket\//);

    const unknown = await refusedUpgrade(`${api.wsUrl}/api/ws?ticket=${'A'.repeat(43)}`);
    expect(unknown.status).toBe(401);
    const garbage = await refusedUpgrade(`${api.wsUrl}/api/ws?ticket=%00not-a-ticket`);
    expect(garbage.status).toBe(401);

    const unused = await ticketFor(api, token);
    await api.app.get(ApiTokensService).revoke(await tokenIdOf(api.app, token));
    expect((await refusedUpgrade(`${api.wsUrl}/api/ws?ticket=${unused}`)).status).toBe(401);
  });

  it('refuses ?token= and says how to get a ticket instead', async () => {
    const { token } = await aUserWithCredits(api.app, 0);
    const refused = await refusedUpgrade(`${api.wsUrl}/api/ws?token=${encodeURIComponent(token)}`);
    expect(refused.status).toBe(401);
    expect(refused.body.message).toMatch(/POST \/api\/ws\/ticket\//);
  });

  it('lists the ticket endpoint in OpenAPI', async () => {
    const doc = (await httpRequest(api.httpUrl, 'GET', '/docs-json')).body;
    expect(doc.paths['/api/ws/ticket']?.post?.responses).toHaveProperty('201');
    expect(doc.paths['/api/ws/ticket'].post.tags).toEqual(['realtime']);
  });

  it('closes a socket with 4401 when its token is revoked, header or ticket alike', async () => {
    const { user, token } = await aUserWithCredits(api.app, 0);
    const { token: otherToken } = await api.app.get(ApiTokensService).issue(user.id);
    const byHeader = await connect(`${api.wsUrl}/api/ws`, withToken(token));
    const byTicket = await connect(await ticketUrl(api, token));
    const otherTokens = await connect(await ticketUrl(api, otherToken));
    for (const client of [byHeader, byTicket, otherTokens]) {
      await client.next((m) => m.type === 'hello');
    }

    expect(await api.app.get(ApiTokensService).revoke(await tokenIdOf(api.app, token))).toBe(true);

    expect(await byHeader.waitClosed()).toEqual({ code: 4401, reason: 'token revoked' });
    expect(await byTicket.waitClosed()).toEqual({ code: 4401, reason: 'token revoked' });
    // The same user's socket opened with another token is not touched.
    otherTokens.socket.send(JSON.stringify({ type: 'ping' }));
    await otherTokens.next((m) => m.type === 'pong');
    expect(otherTokens.closed).toBeUndefined();
  });

  it("delivers a user's event to that user's sockets only, without userId", async () => {
    const alice = await aUserWithCredits(api.app, 0);
    const bob = await aUserWithCredits(api.app, 0);
    const aliceClient = await connect(await ticketUrl(api, alice.token));
    const bobClient = await connect(`${api.wsUrl}/api/ws`, withToken(bob.token));
    await aliceClient.next((m) => m.type === 'hello');
    await bobClient.next((m) => m.type === 'hello');

    const publisher = api.app.get(RealtimePublisher);
    const forAlice = updated(alice.user.id);
    const { id } = await publisher.publish(forAlice);
    const received = await aliceClient.next(isUpdate(forAlice.infograph.id));
    expect(received).toEqual({ id, type: 'infograph.updated', infograph: forAlice.infograph });

    // Bob's own event, published after Alice's, travels the same ordered path (one channel, one
    // subscriber connection, one socket): once it has arrived, Alice's would have too.
    const forBob = updated(bob.user.id, 'failed');
    await publisher.publish(forBob);
    await bobClient.next(isUpdate(forBob.infograph.id));
    expect(bobClient.messages.map((m) => m.type)).toEqual(['hello', 'infograph.updated']);
    expect(bobClient.messages[1].infograph).toEqual(forBob.infograph);
    expect(aliceClient.messages.some(isUpdate(forBob.infograph.id))).toBe(false);
  });

  it('refuses a missing, invalid or malformed token with HTTP 401 before upgrading', async () => {
    const missing = await refusedUpgrade(`${api.wsUrl}/api/ws`);
    expect(missing.status).toBe(401);
    expect(missing.body.message).toMatch(/Missing API token/);

    const invalid = await refusedUpgrade(`${api.wsUrl}/api/ws`, {
      authorization: 'Token aig_not-a-real-token',
    });
    expect(invalid).toEqual({
      status: 401,
      body: {
        statusCode: 401,
        error: 'Unauthorized',
        message: 'Invalid or revoked API token.',
        code: 'unauthorized',
        request_id: expect.any(String),
      },
    });

    const malformed = await refusedUpgrade(`${api.wsUrl}/api/ws`, { authorization: 'Basic eDp5' });
    expect(malformed.status).toBe(401);
    expect(malformed.body.message).toMatch(/Malformed Authorization header/);
  });

  it('answers a plain GET (no upgrade) with 426 once authenticated', async () => {
    const { token } = await aUserWithCredits(api.app, 0);
    const plain = await fetch(`${api.httpUrl}/api/ws`, {
      headers: { authorization: `Token ${token}` },
    });
    expect(plain.status).toBe(426);
    expect((await fetch(`${api.httpUrl}/api/ws`)).status).toBe(401);
  });

  it('answers an application-level ping (browsers cannot send ping frames)', async () => {
    const { token } = await aUserWithCredits(api.app, 0);
    const client = await connect(await ticketUrl(api, token));
    client.socket.send(JSON.stringify({ type: 'ping' }));
    expect(await client.next((m) => m.type === 'pong')).toEqual({ type: 'pong' });
  });

  it('drops a socket that stops answering pings and keeps one that answers', async () => {
    const { token } = await aUserWithCredits(api.app, 0);
    const gateway = api.app.get(RealtimeGateway);
    const dead = await connect(`${api.wsUrl}/api/ws`, { ...withToken(token), autoPong: false });
    const alive = await connect(`${api.wsUrl}/api/ws`, withToken(token));
    await dead.next((m) => m.type === 'hello');
    await alive.next((m) => m.type === 'hello');
    // The live client's pong is written before its 'ping' handler runs, so once our app-level
    // pong comes back the server has seen the pong frame too.
    alive.socket.once('ping', () => alive.socket.send(JSON.stringify({ type: 'ping' })));

    gateway.heartbeat();
    await alive.next((m) => m.type === 'pong');
    expect(gateway.heartbeat()).toBeGreaterThanOrEqual(1);

    expect((await dead.waitClosed()).code).toBe(1006);
    expect(alive.closed).toBeUndefined();
    expect(alive.socket.readyState).toBe(WebSocket.OPEN);
  });

  it('two api instances both deliver an event published once (Redis fan-out)', async () => {
    const second = await startRealtimeApi();
    try {
      const { user, token } = await aUserWithCredits(api.app, 0);
      // A ticket from one instance works on another: tickets live in the shared Redis.
      const onFirst = await connect(`${api.wsUrl}/api/ws?ticket=${await ticketFor(second, token)}`);
      const onSecond = await connect(
        `${second.wsUrl}/api/ws?ticket=${await ticketFor(api, token)}`,
      );
      await onFirst.next((m) => m.type === 'hello');
      await onSecond.next((m) => m.type === 'hello');

      const event = updated(user.id);
      await api.app.get(RealtimePublisher).publish(event);
      await onFirst.next(isUpdate(event.infograph.id));
      await onSecond.next(isUpdate(event.infograph.id));
      // A later event travels the same ordered path: once it is in, a duplicate would be too.
      const later = updated(user.id);
      await api.app.get(RealtimePublisher).publish(later);
      await onFirst.next(isUpdate(later.infograph.id));
      await onSecond.next(isUpdate(later.infograph.id));
      expect(onSecond.messages.filter(isUpdate(event.infograph.id))).toHaveLength(1);
      expect(onFirst.messages.filter(isUpdate(event.infograph.id))).toHaveLength(1);
    } finally {
      await second.close();
    }
  });

  it('closes a socket when its token is revoked through another api instance', async () => {
    const second = await startRealtimeApi();
    try {
      const { token } = await aUserWithCredits(api.app, 0);
      const client = await connect(await ticketUrl(api, token));
      await client.next((m) => m.type === 'hello');
      // Only Postgres' notice can tell this api: the revocation happens in the other process.
      await second.app.get(ApiTokensService).revoke(await tokenIdOf(second.app, token));
      expect(await client.waitClosed()).toEqual({ code: 4401, reason: 'token revoked' });
    } finally {
      await second.close();
    }
  });

  it('closes sockets whose token was revoked while revocation notices were not heard', async () => {
    const { token } = await aUserWithCredits(api.app, 0);
    const client = await connect(`${api.wsUrl}/api/ws`, withToken(token));
    await client.next((m) => m.type === 'hello');
    // A revocation whose notice never reaches the api (as when its LISTEN connection is down):
    // revoke without a notice, then cut that connection. Once it hears again, the api must
    // re-check its sockets' tokens.
    const dataSource = dataSourceOf(api.app);
    await dataSource.query(`UPDATE api_tokens SET revoked_at = now() WHERE id = $1`, [
      await tokenIdOf(api.app, token),
    ]);
    const cut = await dataSource.query<{ n: number }[]>(
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
        WHERE application_name = 'ainfographic-token-revocations' AND datname = current_database()`,
    );
    expect(cut[0].n).toBeGreaterThanOrEqual(1);
    expect(await client.waitClosed(10_000)).toEqual({ code: 4401, reason: 'token revoked' });
  });

  it('closes open sockets with 1001 when the api shuts down', async () => {
    const other = await startRealtimeApi();
    const { token } = await aUserWithCredits(other.app, 0);
    const client = await connect(`${other.wsUrl}/api/ws`, withToken(token));
    await client.next((m) => m.type === 'hello');
    await other.close();
    expect(await client.waitClosed()).toEqual({ code: 1001, reason: 'server shutting down' });
  });
});

describe('realtime /api/ws with WS_MAX_CONNECTIONS_PER_USER=2 and AUTH_CACHE_SECONDS=0', () => {
  let api: RealtimeApi;
  const clients: Client[] = [];

  beforeAll(async () => {
    api = await startRealtimeApi({ WS_MAX_CONNECTIONS_PER_USER: '2', AUTH_CACHE_SECONDS: '0' });
  });
  afterEach(() => {
    for (const client of clients.splice(0)) {
      client.close();
    }
  });
  afterAll(() => api.close());

  const open = async (url: string, options?: WebSocket.ClientOptions): Promise<Client> => {
    const client = await Client.connect(url, options);
    clients.push(client);
    await client.next((m) => m.type === 'hello');
    return client;
  };

  it('refuses a third socket with 429 before upgrading, and takes a new one once one closed', async () => {
    const { token } = await aUserWithCredits(api.app, 0);
    const first = await open(`${api.wsUrl}/api/ws`, withToken(token));
    await open(await ticketUrl(api, token));

    const third = await refusedUpgrade(`${api.wsUrl}/api/ws`, { authorization: `Token ${token}` });
    expect(third.status).toBe(429);
    expect(third.body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: expect.stringMatching(/at most 2 .*close one/i),
      code: 'too_many_requests',
      request_id: expect.any(String),
    });
    const byTicket = await refusedUpgrade(await ticketUrl(api, token));
    expect(byTicket.status).toBe(429);

    // Another user has a limit of their own.
    const other = await aUserWithCredits(api.app, 0);
    await open(`${api.wsUrl}/api/ws`, withToken(other.token));

    first.close();
    await first.waitClosed();
    const gateway = api.app.get(RealtimeGateway);
    await waitFor(
      () => gateway.connectionCount(),
      (count) => count === 2,
      { timeoutMs: 5_000, intervalMs: 20, describe: 'the api to see the socket close' },
    );
    await open(`${api.wsUrl}/api/ws`, withToken(token));
  });

  it('closes a revoked token’s sockets with the token cache off too', async () => {
    const { token } = await aUserWithCredits(api.app, 0);
    const client = await open(`${api.wsUrl}/api/ws`, withToken(token));
    // What `token:revoke` does from the CLI (another process): only the notice reaches the api.
    await dataSourceOf(api.app).query(
      `WITH revoked AS (UPDATE api_tokens SET revoked_at = now() WHERE id = $1 RETURNING token_hash)
       SELECT pg_notify('api_token_revoked', token_hash) FROM revoked`,
      [await tokenIdOf(api.app, token)],
    );
    expect(await client.waitClosed()).toEqual({ code: 4401, reason: 'token revoked' });
  });
});

describe('realtime /api/ws across a Redis restart', () => {
  let redis: PrivateRedis;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
  });
  afterAll(() => redis.stop());

  it('re-subscribes by itself and delivers events again', async () => {
    const api = await startRealtimeApi({ REDIS_URL: redis.url });
    const client = await Client.connect(
      `${api.wsUrl}/api/ws`,
      withToken((await aUserWithCredits(api.app, 0)).token),
    );
    try {
      const userId = (await client.next((m) => m.type === 'hello')).user_id as string;
      const publisher = api.app.get(RealtimePublisher);
      const before = updated(userId);
      await publisher.publish(before);
      await client.next(isUpdate(before.infograph.id));

      await redis.restart(500);

      // Events published before the subscriber is back are lost (pub/sub), so keep publishing
      // fresh ones until one arrives; the deadline makes this fail if it never heals.
      const sent: string[] = [];
      await waitFor(
        async () => {
          const event = updated(userId);
          sent.push(event.infograph.id);
          await publisher.publish(event);
          return client.messages;
        },
        (messages) => messages.some((m) => sent.includes(m.infograph?.id)),
        { timeoutMs: 20_000, intervalMs: 250, describe: 'an event after the Redis restart' },
      );
      expect(client.closed).toBeUndefined();
    } finally {
      client.close();
      await api.close();
    }
  });

  it('answers 503 (retry), not 500, for tickets while Redis is down, and recovers', async () => {
    const api = await startRealtimeApi({ REDIS_URL: redis.url });
    try {
      const { token } = await aUserWithCredits(api.app, 0);
      const ticket = await ticketFor(api, token);
      await redis.crash();
      try {
        const issue = await httpRequest(api.httpUrl, 'POST', '/api/ws/ticket/', { token });
        expect(issue.status).toBe(503);
        expect(issue.body.message).toMatch(/retry/);
        const upgrade = await refusedUpgrade(`${api.wsUrl}/api/ws?ticket=${ticket}`);
        expect(upgrade.status).toBe(503);
        expect(upgrade.body.message).toMatch(/retry/);
      } finally {
        await redis.up();
      }
      const again = await waitFor(
        () => httpRequest(api.httpUrl, 'POST', '/api/ws/ticket/', { token }),
        (res) => res.status === 201,
        { timeoutMs: 10_000, intervalMs: 100, describe: 'tickets once Redis is back' },
      );
      const client = await Client.connect(`${api.wsUrl}/api/ws?ticket=${again.body.ticket}`);
      client.close();
    } finally {
      await api.close();
    }
  });
});
