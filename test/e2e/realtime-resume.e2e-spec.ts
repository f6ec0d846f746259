import { randomUUID } from 'node:crypto';
import http from 'node:http';

import { ApiTokensService } from '@app/auth';
import { AppConfig } from '@app/config';
import { InfographUpdatedEvent } from '@app/infographs';
import { RealtimePublisher, realtimeStreamKey } from '@app/notifications';
import { REDIS, type RedisClient } from '@app/redis';
import WebSocket from 'ws';

import { EventHistory } from '../../apps/api/src/realtime/event-history';
import { RealtimeGateway } from '../../apps/api/src/realtime/realtime.gateway';
import { checkSocketMessage } from '../support/contract-check';
import { aUserWithCredits } from '../support/factories';
import { TestApi, httpRequest, startTestApi } from '../support/test-app';
import { waitFor } from '../support/wait-for';

/** Any client's received messages: WebSocket or SSE, each parsed, in arrival order. */
abstract class Received {
  readonly messages: any[] = [];

  protected async record(message: any): Promise<void> {
    this.messages.push(message);
    await checkSocketMessage(message);
  }

  async next(predicate: (m: any) => boolean, describe = 'a matching message'): Promise<any> {
    const all = await waitFor(
      () => this.messages,
      (messages) => messages.some(predicate),
      { timeoutMs: 5000, intervalMs: 20, describe },
    );
    return all.find(predicate);
  }

  /** The infograph ids of the `infograph.updated` events, in arrival order. */
  updates(): string[] {
    return this.messages.filter((m) => m.type === 'infograph.updated').map((m) => m.infograph.id);
  }

  lastEventId(): string | null {
    const withId = this.messages.filter((m) => typeof m.id === 'string');
    return withId.length > 0 ? withId[withId.length - 1].id : null;
  }
}

class WsClient extends Received {
  private constructor(readonly socket: WebSocket) {
    super();
    socket.on('message', (data: WebSocket.RawData) => {
      void this.record(JSON.parse(Buffer.from(data as Buffer).toString('utf8')));
    });
  }

  static connect(url: string, token: string): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { headers: { authorization: `Token ${token}` } });
      const client = new WsClient(socket);
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) =>
        reject(new Error(`upgrade refused with HTTP ${res.statusCode}`)),
      );
    });
  }

  drop(): void {
    this.socket.terminate();
  }
}

/** A plain-HTTP SSE client that parses the stream as EventSource does (id, data, retry, comments). */
class SseClient extends Received {
  readonly ids: (string | undefined)[] = [];
  readonly comments: string[] = [];
  retry?: number;
  ended = false;
  headers: http.IncomingHttpHeaders = {};
  private buffer = '';

  private constructor(private readonly request: http.ClientRequest) {
    super();
  }

  static connect(
    base: string,
    headers: Record<string, string>,
    path = '/api/events/',
  ): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const request = http.get(`${base}${path}`, { headers }, (response) => {
        if (response.statusCode !== 200) {
          reject(new Error(`SSE answered ${response.statusCode}`));
          response.resume();
          return;
        }
        client.headers = response.headers;
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => client.feed(chunk));
        response.on('end', () => (client.ended = true));
        resolve(client);
      });
      const client = new SseClient(request);
      request.on('error', reject);
    });
  }

  drop(): void {
    this.request.destroy();
  }

  private feed(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const frame = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let id: string | undefined;
      let data: string | undefined;
      for (const line of frame.split('\n')) {
        if (line.startsWith(':')) {
          this.comments.push(line);
        } else if (line.startsWith('retry: ')) {
          this.retry = Number(line.slice(7));
        } else if (line.startsWith('id:')) {
          id = line.slice(3).trim();
        } else if (line.startsWith('data: ')) {
          data = line.slice(6);
        }
      }
      if (data !== undefined) {
        this.ids.push(id);
        void this.record(JSON.parse(data));
      }
    }
  }
}

function updated(userId: string): InfographUpdatedEvent {
  const id = randomUUID();
  return {
    type: 'infograph.updated',
    userId,
    infograph: {
      id,
      status: 'completed',
      image_url: `http://127.0.0.1:3000/files/${id}.png`,
      error_message: null,
      error_code: null,
      updated_at: new Date().toISOString(),
      stage: 'completed',
      started_at: new Date(Date.now() - 20_000).toISOString(),
      elapsed_ms: 20_000,
    },
  };
}

describe('realtime: every event has an id, and a reconnecting client gets what it missed', () => {
  let api: TestApi;
  let publisher: RealtimePublisher;
  const opened: { drop(): void }[] = [];
  const track = <T extends { drop(): void }>(client: T): T => {
    opened.push(client);
    return client;
  };
  const wsUrl = (query = '') => `${api.url.replace(/^http/, 'ws')}/api/ws${query}`;

  /** Publishes `count` events for the user, one after the other; returns their infograph ids. */
  async function publishMany(userId: string, count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const event = updated(userId);
      ids.push(event.infograph.id);
      await publisher.publish(event);
    }
    return ids;
  }

  beforeAll(async () => {
    api = await startTestApi();
    publisher = api.app.get(RealtimePublisher);
  });
  afterEach(() => {
    for (const client of opened.splice(0)) {
      client.drop();
    }
  });
  afterAll(() => api.close());

  it('keeps each event in the user’s Redis Stream, with the id the clients see', async () => {
    const { user, token } = await aUserWithCredits(api.app, 0);
    const client = track(await WsClient.connect(wsUrl(), token));
    await client.next((m) => m.type === 'hello');
    const event = updated(user.id);
    const { id } = await publisher.publish(event);
    expect((await client.next((m) => m.type === 'infograph.updated')).id).toBe(id);

    const redis = api.app.get<RedisClient>(REDIS);
    const key = realtimeStreamKey(api.app.get(AppConfig).redis.prefix, user.id);
    const entries = await redis.xrange(key, '-', '+');
    expect(entries.map(([entryId]) => entryId)).toEqual([id]);
    // Kept no longer than the replay window once the user is idle.
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(api.app.get(AppConfig).realtime.replayWindowMs);
  });

  it('WebSocket: dropped while events are published, resumes with nothing missed and nothing twice', async () => {
    const { user, token } = await aUserWithCredits(api.app, 0);
    const first = track(await WsClient.connect(wsUrl(), token));
    await first.next((m) => m.type === 'hello');
    const published = await publishMany(user.id, 3);
    await first.next((m) => m.infograph?.id === published[2]);

    // Events keep coming while the socket drops and a new one connects with the last id seen.
    let publishing = true;
    const background = (async () => {
      while (publishing) {
        published.push(...(await publishMany(user.id, 1)));
      }
    })();
    await waitFor(
      () => published.length,
      (n) => n >= 8,
      { describe: 'some events in flight' },
    );
    first.drop();
    const lastSeen = first.lastEventId()!;
    const seenBefore = first.updates();
    await waitFor(
      () => published.length,
      (n) => n >= 15,
      { describe: 'events while away' },
    );
    const second = track(await WsClient.connect(wsUrl(`?last_event_id=${lastSeen}`), token));
    await waitFor(
      () => published.length,
      (n) => n >= 25,
      { describe: 'events while resuming' },
    );
    publishing = false;
    await background;
    const marker = (await publishMany(user.id, 1))[0];
    published.push(marker);
    await second.next((m) => m.infograph?.id === marker, 'the last event');

    expect(second.messages[0]).toMatchObject({ type: 'hello', id: lastSeen });
    expect(second.messages.some((m) => m.type === 'resync')).toBe(false);
    expect([...seenBefore, ...second.updates()]).toEqual(published);
    // Ids rise strictly: each event once, in order.
    const ids = second.messages.filter((m) => m.type === 'infograph.updated').map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('joins replay and live events without a gap or a repeat, whatever arrives while replaying', async () => {
    const { user, token } = await aUserWithCredits(api.app, 0);
    // A second, live socket of the same user: once it has an event, so has every feed here.
    const witness = track(await WsClient.connect(wsUrl(), token));
    await witness.next((m) => m.type === 'hello');
    const first = track(await WsClient.connect(wsUrl(), token));
    await first.next((m) => m.type === 'hello');
    const seen = await publishMany(user.id, 2);
    await first.next((m) => m.infograph?.id === seen[1]);
    first.drop();
    const missed = await publishMany(user.id, 2);

    // While the resuming connection reads the stream: events that the read also returns (heard
    // live before it) and events after it (heard live only).
    const history = api.app.get(EventHistory);
    const read = history.resumeFrom.bind(history);
    const during: string[] = [];
    const spy = jest.spyOn(history, 'resumeFrom').mockImplementationOnce(async (...args) => {
      during.push(...(await publishMany(user.id, 2)));
      await witness.next((m) => m.infograph?.id === during[1]);
      const point = await read(...args);
      during.push(...(await publishMany(user.id, 2)));
      await witness.next((m) => m.infograph?.id === during[3]);
      return point;
    });
    try {
      const second = track(
        await WsClient.connect(wsUrl(`?last_event_id=${first.lastEventId()}`), token),
      );
      // hello comes once the stream is read: from then on the connection is live.
      await second.next((m) => m.type === 'hello');
      const after = await publishMany(user.id, 1);
      await second.next((m) => m.infograph?.id === after[0]);
      expect(spy).toHaveBeenCalled();
      expect(second.updates()).toEqual([...missed, ...during, ...after]);
    } finally {
      spy.mockRestore();
    }
  });

  it('WebSocket: a fresh connection starts from the newest id, so it can resume later', async () => {
    const { user, token } = await aUserWithCredits(api.app, 0);
    const [before] = await publishMany(user.id, 1);
    const client = track(await WsClient.connect(wsUrl(), token));
    const hello = await client.next((m) => m.type === 'hello');
    expect(hello.id).toMatch(/^\d+-\d+$/);
    client.drop();
    const missed = await publishMany(user.id, 2);
    const again = track(await WsClient.connect(wsUrl(`?last_event_id=${hello.id}`), token));
    await again.next((m) => m.infograph?.id === missed[1]);
    expect(again.updates()).toEqual(missed);
    expect(again.updates()).not.toContain(before);
  });

  it('says resync when the id is older than the window or events after it were trimmed', async () => {
    const { user, token } = await aUserWithCredits(api.app, 0);
    await publishMany(user.id, 1);
    const old = track(await WsClient.connect(wsUrl('?last_event_id=1-0'), token));
    await old.next((m) => m.type === 'resync');
    expect(old.messages.map((m) => m.type)).toEqual(['hello', 'resync']);
    // hello carries the newest id: where the client goes on from after re-reading.
    expect(old.messages[0].id).toMatch(/^\d+-\d+$/);
    const [live] = await publishMany(user.id, 1);
    await old.next((m) => m.infograph?.id === live);

    // Trimmed by count (MAXLEN): an id still within the window, but what followed it is gone.
    const other = await aUserWithCredits(api.app, 0);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      ids.push((await publisher.publish(updated(other.user.id))).id);
    }
    const redis = api.app.get<RedisClient>(REDIS);
    const key = realtimeStreamKey(api.app.get(AppConfig).redis.prefix, other.user.id);
    await redis.xtrim(key, 'MAXLEN', 2);
    // ids[1] is gone: a client that saw only ids[0] missed it.
    const behind = track(await WsClient.connect(wsUrl(`?last_event_id=${ids[0]}`), other.token));
    await behind.next((m) => m.type === 'resync');
    expect(behind.messages.map((m) => m.type)).toEqual(['hello', 'resync']);
    expect(behind.messages[0].id).toBe(ids[3]);
    // ids[2] and ids[3] are kept: a client that saw ids[2] gets ids[3], and no resync.
    const current = track(await WsClient.connect(wsUrl(`?last_event_id=${ids[2]}`), other.token));
    await current.next((m) => m.id === ids[3]);
    expect(current.messages.map((m) => m.type)).toEqual(['hello', 'infograph.updated']);
  });

  it('refuses a last_event_id that is not an event id with 400, before upgrading', async () => {
    const { token } = await aUserWithCredits(api.app, 0);
    await expect(WsClient.connect(wsUrl('?last_event_id=yesterday'), token)).rejects.toThrow(
      /HTTP 400/,
    );
    const sse = await httpRequest(api.url, 'GET', '/api/events/', {
      token,
      headers: { 'last-event-id': 'yesterday' },
    });
    expect(sse.status).toBe(400);
    expect(sse.body.code).toBe('invalid_last_event_id');
  });

  it('SSE: authenticates by header (never the URL), streams with ids, and resumes from Last-Event-ID', async () => {
    const { user, token } = await aUserWithCredits(api.app, 0);
    const anonymous = await httpRequest(api.url, 'GET', `/api/events/?token=${token}`);
    expect(anonymous.status).toBe(401);
    // HEAD says what a GET would be, and opens no stream.
    const open = api.app.get(RealtimeGateway).connectionCount();
    const head = await fetch(`${api.url}/api/events/`, {
      method: 'HEAD',
      headers: { authorization: `Token ${token}` },
    });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(api.app.get(RealtimeGateway).connectionCount()).toBe(open);

    const first = track(await SseClient.connect(api.url, { authorization: `Bearer ${token}` }));
    expect(first.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(first.headers['cache-control']).toBe('no-store');
    expect(first.headers['x-request-id']).toBeDefined();
    const hello = await first.next((m) => m.type === 'hello');
    expect(hello).toEqual({ type: 'hello', user_id: user.id, id: null });
    expect(first.retry).toBeGreaterThan(0);

    const published = await publishMany(user.id, 3);
    await first.next((m) => m.infograph?.id === published[2]);
    // The `id:` line is the message's id.
    expect(first.ids.slice(1)).toEqual(
      first.messages.filter((m) => m.type === 'infograph.updated').map((m) => m.id),
    );

    let publishing = true;
    const background = (async () => {
      while (publishing) {
        published.push(...(await publishMany(user.id, 1)));
      }
    })();
    await waitFor(
      () => published.length,
      (n) => n >= 8,
      { describe: 'some events in flight' },
    );
    first.drop();
    const lastSeen = first.lastEventId()!;
    const seenBefore = first.updates();
    await waitFor(
      () => published.length,
      (n) => n >= 15,
      { describe: 'events while away' },
    );
    const second = track(
      await SseClient.connect(api.url, {
        authorization: `Token ${token}`,
        'last-event-id': lastSeen,
      }),
    );
    await waitFor(
      () => published.length,
      (n) => n >= 25,
      { describe: 'events while resuming' },
    );
    publishing = false;
    await background;
    const marker = (await publishMany(user.id, 1))[0];
    published.push(marker);
    await second.next((m) => m.infograph?.id === marker, 'the last event');
    expect(second.messages[0]).toMatchObject({ type: 'hello', id: lastSeen });
    expect([...seenBefore, ...second.updates()]).toEqual(published);
  });

  it('SSE: an id older than the window gets resync; comments keep the stream open', async () => {
    const { token } = await aUserWithCredits(api.app, 0);
    const client = track(
      await SseClient.connect(
        api.url,
        { authorization: `Token ${token}` },
        '/api/events/?last_event_id=1-0',
      ),
    );
    await client.next((m) => m.type === 'resync');
    expect(client.messages.map((m) => m.type)).toEqual(['hello', 'resync']);
    // hello's empty `id:` clears the browser's stale last id (nothing kept for this user).
    expect(client.ids[0]).toBe('');
    // A heartbeat round writes a comment, and the stream stays.
    api.app.get(RealtimeGateway).heartbeat();
    await waitFor(
      () => client.comments,
      (c) => c.includes(': ping'),
      { describe: 'a ping comment' },
    );
    expect(api.app.get(RealtimeGateway).heartbeat()).toBe(0);
    expect(client.messages.map((m) => m.type)).toEqual(['hello', 'resync']);
  });

  it('SSE: ends the stream when its token is revoked', async () => {
    const { token } = await aUserWithCredits(api.app, 0);
    const client = track(await SseClient.connect(api.url, { authorization: `Token ${token}` }));
    await client.next((m) => m.type === 'hello');
    const tokens = api.app.get(ApiTokensService);
    await tokens.revoke((await tokens.findByPlainToken(token))!.id);
    expect(
      await waitFor(
        () => client.ended,
        (ended) => ended,
        { describe: 'the stream to end' },
      ),
    ).toBe(true);
  });
});

describe('realtime: SSE streams and WebSockets share WS_MAX_CONNECTIONS_PER_USER', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi({ WS_MAX_CONNECTIONS_PER_USER: '1' });
  });
  afterAll(() => api.close());

  it('refuses a second stream or socket with 429, and takes one once the first closed', async () => {
    const { token } = await aUserWithCredits(api.app, 0);
    const first = await SseClient.connect(api.url, { authorization: `Token ${token}` });
    await first.next((m) => m.type === 'hello');
    const second = await httpRequest(api.url, 'GET', '/api/events/', { token });
    expect(second.status).toBe(429);
    await expect(
      WsClient.connect(`${api.url.replace(/^http/, 'ws')}/api/ws`, token),
    ).rejects.toThrow(/HTTP 429/);

    first.drop();
    const gateway = api.app.get(RealtimeGateway);
    await waitFor(
      () => gateway.connectionCount(),
      (n) => n === 0,
      { describe: 'the close' },
    );
    const again = await WsClient.connect(`${api.url.replace(/^http/, 'ws')}/api/ws`, token);
    await again.next((m) => m.type === 'hello');
    again.drop();
  });
});
