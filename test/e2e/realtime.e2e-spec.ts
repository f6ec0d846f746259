import { randomUUID } from 'node:crypto';

import { InfographUpdatedEvent, RealtimePublisher } from '@app/notifications';
import WebSocket from 'ws';

import { RealtimeGateway } from '../../apps/api/src/realtime/realtime.gateway';
import { aUserWithCredits } from '../support/factories';
import { PrivateRedis } from '../support/redis-server';
import { TestApi, startTestApi } from '../support/test-app';
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
    return messages.find(predicate);
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
        socket.terminate();
        resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
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
      updated_at: new Date().toISOString(),
    },
  };
}

const isUpdate = (id: string) => (m: any) =>
  m.type === 'infograph.updated' && m.infograph.id === id;

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
    expect(await client.next((m) => m.type === 'hello')).toEqual({
      type: 'hello',
      user_id: user.id,
    });
  });

  it('accepts ?token= (browsers) and a Bearer header, with or without the trailing slash', async () => {
    const { user, token } = await aUserWithCredits(api.app, 0);
    const byQuery = await connect(`${api.wsUrl}/api/ws/?token=${encodeURIComponent(token)}`);
    const byBearer = await connect(`${api.wsUrl}/api/ws`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect((await byQuery.next((m) => m.type === 'hello')).user_id).toBe(user.id);
    expect((await byBearer.next((m) => m.type === 'hello')).user_id).toBe(user.id);
  });

  it("delivers a user's event to that user's sockets only, without userId", async () => {
    const alice = await aUserWithCredits(api.app, 0);
    const bob = await aUserWithCredits(api.app, 0);
    const aliceClient = await connect(`${api.wsUrl}/api/ws?token=${alice.token}`);
    const bobClient = await connect(`${api.wsUrl}/api/ws?token=${bob.token}`);
    await aliceClient.next((m) => m.type === 'hello');
    await bobClient.next((m) => m.type === 'hello');

    const publisher = api.app.get(RealtimePublisher);
    const forAlice = updated(alice.user.id);
    await publisher.publish(forAlice);
    const received = await aliceClient.next(isUpdate(forAlice.infograph.id));
    expect(received).toEqual({ type: 'infograph.updated', infograph: forAlice.infograph });

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

    const invalid = await refusedUpgrade(`${api.wsUrl}/api/ws?token=aig_not-a-real-token`);
    expect(invalid).toEqual({
      status: 401,
      body: { statusCode: 401, error: 'Unauthorized', message: 'Invalid or revoked API token.' },
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
    const client = await connect(`${api.wsUrl}/api/ws?token=${token}`);
    client.socket.send(JSON.stringify({ type: 'ping' }));
    expect(await client.next((m) => m.type === 'pong')).toEqual({ type: 'pong' });
  });

  it('drops a socket that stops answering pings and keeps one that answers', async () => {
    const { token } = await aUserWithCredits(api.app, 0);
    const gateway = api.app.get(RealtimeGateway);
    const dead = await connect(`${api.wsUrl}/api/ws?token=${token}`, { autoPong: false });
    const alive = await connect(`${api.wsUrl}/api/ws?token=${token}`);
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
      const onFirst = await connect(`${api.wsUrl}/api/ws?token=${token}`);
      const onSecond = await connect(`${second.wsUrl}/api/ws?token=${token}`);
      await onFirst.next((m) => m.type === 'hello');
      await onSecond.next((m) => m.type === 'hello');

      const event = updated(user.id);
      await api.app.get(RealtimePublisher).publish(event);
      await onFirst.next(isUpdate(event.infograph.id));
      await onSecond.next(isUpdate(event.infograph.id));
      expect(onSecond.messages.filter(isUpdate(event.infograph.id))).toHaveLength(1);
      expect(onFirst.messages.filter(isUpdate(event.infograph.id))).toHaveLength(1);
    } finally {
      await second.close();
    }
  });

  it('closes open sockets with 1001 when the api shuts down', async () => {
    const other = await startRealtimeApi();
    const { token } = await aUserWithCredits(other.app, 0);
    const client = await connect(`${other.wsUrl}/api/ws?token=${token}`);
    await client.next((m) => m.type === 'hello');
    await other.close();
    expect(await client.waitClosed()).toEqual({ code: 1001, reason: 'server shutting down' });
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
      `${api.wsUrl}/api/ws?token=${(await aUserWithCredits(api.app, 0)).token}`,
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
});
