// The product on a Redis Cluster (three primaries, real redis-server processes in cluster mode):
// BullMQ's queues, our throttles, WebSocket tickets and realtime events all work there, because
// every key lives under the hash-tagged prefix `{QUEUE_PREFIX}` and so in one slot (multi-key
// scripts would otherwise fail with CROSSSLOT).
import { AppConfig } from '@app/config';
import IORedis from 'ioredis';
import WebSocket from 'ws';

import { checkSocketMessage } from '../support/contract-check';
import { aUserWithCredits } from '../support/factories';
import { Flow, startFlow } from '../support/flow';
import { assertLedgerConsistent } from '../support/ledger';
import { PrivateRedisCluster } from '../support/redis-cluster';
import { startTestApi } from '../support/test-app';
import { waitFor } from '../support/wait-for';

describe('Redis Cluster: the pipeline, rate limits and realtime events on three primaries', () => {
  let cluster: PrivateRedisCluster;
  let flow: Flow;
  const sockets: WebSocket[] = [];

  beforeAll(async () => {
    cluster = await PrivateRedisCluster.start(3);
    flow = await startFlow({
      REDIS_CLUSTER_NODES: cluster.nodeList,
      TRUST_PROXY: 'true',
      LOGIN_MAX_FAILURES_PER_IP: '3',
    });
  }, 60_000);
  afterEach(async () => {
    for (const socket of sockets.splice(0)) {
      socket.terminate();
    }
    await assertLedgerConsistent(flow.api.dataSource);
  });
  afterAll(async () => {
    await flow?.close();
    await cluster?.stop();
  });

  it('hash-tags the key prefix, so every key we write is in one slot', () => {
    expect(flow.api.config.redis.prefix).toBe(`{${process.env.QUEUE_PREFIX}}`);
    expect(flow.worker.get(AppConfig).redis.topology).toMatchObject({ kind: 'cluster' });
  });

  it('creates, generates and completes an infograph, and pushes its update over the socket', async () => {
    const { user, token } = await aUserWithCredits(flow.api.app, 5);
    // A ticket (stored in the cluster) opens the socket; the event crosses the cluster's pub/sub.
    const ticket = await flow.api.request('POST', '/api/ws/ticket/', { token });
    expect(ticket.status).toBe(201);
    const messages: any[] = [];
    const socket = new WebSocket(
      `${flow.api.url.replace(/^http/, 'ws')}/api/ws?ticket=${ticket.body.ticket}`,
    );
    sockets.push(socket);
    socket.on('message', (data: WebSocket.RawData) =>
      messages.push(JSON.parse(Buffer.from(data as Buffer).toString('utf8'))),
    );
    const hello = await waitFor(
      () => messages.find((m) => m.type === 'hello'),
      (m) => m !== undefined,
      { timeoutMs: 5000, describe: 'the socket to say hello' },
    );
    expect(hello.user_id).toBe(user.id);

    const created = await flow.api.request('POST', '/api/infographs/create/', {
      token,
      body: { prompt: 'An infographic made on a Redis Cluster', number_of_infographs: 2 },
    });
    expect(created.status).toBe(201);
    const ids = (created.body.infographs as { id: string }[]).map((i) => i.id);
    for (const id of ids) {
      expect(await flow.waitForTerminal(token, id)).toMatchObject({ status: 'completed' });
    }
    const update = await waitFor(
      () =>
        messages.find((m) => m.type === 'infograph.updated' && m.infograph.status === 'completed'),
      (m) => m !== undefined,
      { timeoutMs: 10_000, describe: 'a completed update over the socket' },
    );
    await checkSocketMessage(update);
    expect(ids).toContain(update.infograph.id);
    expect((await flow.api.request('GET', '/api/credits/', { token })).body.balance).toBe(3);
  });

  it('counts sign-in failures in several buckets at once (one multi-key script) and limits them', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const answer = await flow.api.request('POST', '/api/auth/login/', {
        body: { email: `nobody-${i}@test.local`, password: 'a wrong password' },
        headers: { 'x-forwarded-for': '198.51.100.7' },
      });
      statuses.push(answer.status);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
  });

  it('limits creates per minute through the cluster', async () => {
    expect(await createsThroughLimitedApi()).toEqual([201, 201, 429]);
  });

  it('left every key on one node, all under the hash-tagged prefix', async () => {
    const holders: { port: number; keys: string[] }[] = [];
    for (const port of cluster.ports) {
      const node = new IORedis({ host: '127.0.0.1', port, maxRetriesPerRequest: 0 });
      try {
        holders.push({ port, keys: await node.keys('*') });
      } finally {
        node.disconnect();
      }
    }
    const withKeys = holders.filter((h) => h.keys.length > 0);
    expect(withKeys).toHaveLength(1);
    const keys = withKeys[0].keys;
    expect(keys.length).toBeGreaterThan(5);
    expect(keys.filter((key) => !key.startsWith(`${flow.api.config.redis.prefix}:`))).toEqual([]);
  });

  /** Three creates against a second api whose limit is 2 a minute (same cluster and prefix). */
  async function createsThroughLimitedApi(): Promise<number[]> {
    const api = await startTestApi({
      REDIS_CLUSTER_NODES: cluster.nodeList,
      RATE_LIMIT_CREATE_PER_MINUTE: '2',
      FAL_SIM_PORT: new URL(flow.simUrl).port,
    });
    try {
      const { token } = await aUserWithCredits(api.app, 5);
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const answer = await api.request('POST', '/api/infographs/create/', {
          token,
          body: { prompt: `Rate limited create ${i}` },
        });
        statuses.push(answer.status);
      }
      return statuses;
    } finally {
      await api.close();
    }
  }
});
