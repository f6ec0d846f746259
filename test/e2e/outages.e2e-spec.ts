// Backpressure and outages: Postgres or Redis unreachable (refused, silent, or stalled mid-session,
// simulated by TCP proxies in front of the real servers). The api must answer quickly (503, never a
// hang, never a half-done charge) and recover by itself; the worker reconnects and resumes.
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { Client } from 'pg';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { buildFalSim, falSimUrl } from '../../apps/fal-sim/src/fal-sim.app';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { createHash, randomBytes } from 'node:crypto';

import { checkLedger } from '@app/credits';
import type { DataSource } from 'typeorm';

import { freePort } from '../support/free-port';
import { ManagedProcess, startDistNode } from '../support/managed-process';
import { ROOT } from '../support/processes';
import { PrivateRedis } from '../support/redis-server';
import { TcpProxy } from '../support/tcp-proxy';
import { httpRequest, testConfig } from '../support/test-app';
import { waitFor } from '../support/wait-for';

// No skip when redis-server is missing: PrivateRedis.start fails in beforeAll and says what to install.
describe('outages: Postgres or Redis unreachable', () => {
  let sim: FastifyInstance;
  let redis: PrivateRedis;
  let pgProxy: TcpProxy;
  let redisProxy: TcpProxy;
  // The api runs as a real process (dist): inside Jest's sandbox, errors raised by Node's own
  // modules are not `instanceof Error`, which would hide how the real api classifies them.
  let api: { url: string; process: ManagedProcess };
  let worker: INestApplicationContext;
  let storageDir: string;
  let user: { id: string };
  let token: string;
  let settings: Record<string, string>;

  /** A request with a hard client-side bound, so a hanging api fails the test instead of Jest. */
  const timed = async (method: string, path: string, body?: unknown, limitMs = 15_000) => {
    const started = Date.now();
    const response = await fetch(`${api.url}${path}`, {
      method,
      headers: {
        authorization: `Token ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(limitMs),
    }).then(
      async (r) => ({ status: r.status, body: (await r.json().catch(() => null)) as any }),
      (error: Error) => ({ status: 0, body: { error: `${error.name}: no answer` } }),
    );
    return { ...response, ms: Date.now() - started };
  };

  /** The user's balance and infograph count, read directly (not through the proxy). */
  let directClient: Client | undefined;
  const owned = async (): Promise<{ balance: number; infographs: number }> => {
    if (!directClient) {
      directClient = new Client({ connectionString: process.env.DATABASE_URL });
      await directClient.connect();
    }
    const { rows } = await directClient.query<{ balance: number; infographs: number }>(
      `SELECT u.balance, (SELECT count(*)::int FROM infographs i WHERE i.user_id = u.id) AS infographs
         FROM users u WHERE u.id = $1`,
      [user.id],
    );
    return rows[0];
  };

  const createAndComplete = async (label: string) => {
    const created = await waitFor(
      () => timed('POST', '/api/infographs/create/', { prompt: `Recovered: ${label}` }),
      (r) => r.status === 201,
      { timeoutMs: 20_000, intervalMs: 250, describe: `a 201 after ${label}` },
    );
    const id = created.body.infographs[0].id as string;
    const done = await waitFor(
      () => httpRequest(api.url, 'GET', `/api/infographs/status/${id}/`, { token }),
      (r) => r.body?.status === 'completed' || r.body?.status === 'failed',
      { timeoutMs: 30_000, intervalMs: 200, describe: `infograph after ${label} to finish` },
    );
    expect(done.body.status).toBe('completed');
  };

  beforeAll(async () => {
    PrivateRedis.assertAvailable();
    sim = await buildFalSim({
      port: 0,
      host: '127.0.0.1',
      latencyMs: 50,
      seed: 'outages',
      webhookRetryBaseMs: 100,
      logger: false,
    });
    redis = await PrivateRedis.start();
    const pg = new URL(process.env.DATABASE_URL as string);
    pgProxy = await TcpProxy.start(pg.hostname, Number(pg.port || 5432));
    redisProxy = await TcpProxy.start('127.0.0.1', redis.port);
    const proxiedDb = new URL(pg);
    proxiedDb.host = pgProxy.url;
    storageDir = await mkdtemp(join(tmpdir(), 'ainfographic-outage-files-'));
    settings = {
      DATABASE_URL: proxiedDb.toString(),
      REDIS_URL: `redis://${redisProxy.url}`,
      QUEUE_PREFIX: `${process.env.QUEUE_PREFIX}-outages`,
      FAL_SIM_PORT: new URL(falSimUrl(sim)).port,
      LOCAL_STORAGE_DIR: storageDir,
      JOB_BACKOFF_MS: '100',
      RECONCILE_INTERVAL_MS: '500',
      RECONCILE_PENDING_AFTER_MS: '1500',
      RECONCILE_PROCESSING_AFTER_MS: '1500',
    };
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    api = {
      url,
      process: startDistNode('api', join(ROOT, 'dist/apps/api/src/main.js'), {
        ...process.env,
        ...settings,
        API_PORT: String(port),
        PUBLIC_API_URL: url,
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      }),
    };
    await waitFor(
      () => fetch(`${url}/health/ready`).then((r) => r.status),
      (status) => status === 200,
      { timeoutMs: 30_000, describe: 'the api process to be ready' },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${api.process.tail()}`);
    });
    worker = await NestFactory.createApplicationContext(
      WorkerModule.forRoot(testConfig({ ...settings, PUBLIC_API_URL: url })),
      { logger: false, abortOnError: false },
    );
    await worker.init();
    // A user with credits and a token, written directly (the token stored hashed, as the api does).
    token = `aig_${randomBytes(32).toString('base64url')}`;
    const admin = new Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    const { rows } = await admin.query<{ id: string }>(
      `INSERT INTO users (email, balance) VALUES ($1, 100) RETURNING id`,
      [`outage-${randomBytes(4).toString('hex')}@test.local`],
    );
    user = rows[0];
    await admin.query(
      `INSERT INTO credit_ledger (user_id, amount, reason, note) VALUES ($1, 100, 'grant', 'test')`,
      [user.id],
    );
    await admin.query(
      `INSERT INTO api_tokens (user_id, token_hash, token_prefix) VALUES ($1, $2, $3)`,
      [user.id, createHash('sha256').update(token).digest('hex'), token.slice(0, 12)],
    );
    await admin.end();
    await createAndComplete('start-up');
  }, 60_000);

  afterEach(async () => {
    if (!api) {
      return; // beforeAll failed and says why; nothing here to restore or check
    }
    pgProxy.setMode('pass');
    redisProxy.setMode('pass');
    await waitFor(
      () => httpRequest(api.url, 'GET', '/health/ready'),
      (r) => r.status === 200,
      { timeoutMs: 20_000, describe: 'the api to be ready again' },
    );
    await owned();
    const problems = await checkLedger({
      query: async (sql: string, params?: unknown[]) =>
        (await directClient!.query(sql, params)).rows,
    } as unknown as DataSource);
    if (problems.length > 0) {
      throw new Error(`ledger check failed: ${JSON.stringify(problems)}`);
    }
  });

  afterAll(async () => {
    pgProxy?.setMode('pass');
    redisProxy?.setMode('pass');
    await worker?.close();
    await api?.process.stop(5000);
    await sim?.close();
    await directClient?.end();
    await pgProxy?.close();
    await redisProxy?.close();
    await redis?.stop();
    if (storageDir) {
      await rm(storageDir, { recursive: true, force: true });
    }
  });

  for (const mode of ['refuse', 'blackhole'] as const) {
    it(`Postgres ${mode === 'refuse' ? 'refusing connections' : 'silent (no answer)'}: 503 within seconds, no charge, then recovery`, async () => {
      const before = await owned();
      pgProxy.setMode(mode);

      const create = await timed('POST', '/api/infographs/create/', { prompt: 'during outage' });
      expect({ status: create.status, fast: create.ms < 7000 }).toEqual({
        status: 503,
        fast: true,
      });
      expect(create.body).toMatchObject({ statusCode: 503 });

      const status = await timed('GET', '/api/credits/');
      expect({ status: status.status, fast: status.ms < 7000 }).toEqual({
        status: 503,
        fast: true,
      });

      // Readiness bounds each probe at 2 s; 4 s leaves room for a busy machine yet stays under the
      // Postgres driver's own 5 s timeouts, which would answer without that bound.
      const ready = await timed('GET', '/health/ready');
      expect({ status: ready.status, fast: ready.ms < 4000 }).toEqual({ status: 503, fast: true });
      expect(ready.body.checks.database.status).toBe('down');

      pgProxy.setMode('pass');
      expect(await owned()).toEqual(before);
      await createAndComplete(`Postgres ${mode}`);
    });
  }

  it('Postgres stalled mid-session (open connections stop answering): 503 within seconds, not a hang', async () => {
    const before = await owned();
    // Warm the pool so that connections are open when the partition starts.
    await Promise.all(Array.from({ length: 5 }, () => timed('GET', '/api/me/')));
    pgProxy.setMode('stall');

    const [create, me] = await Promise.all([
      timed('POST', '/api/infographs/create/', { prompt: 'during a stall' }),
      timed('GET', '/api/me/'),
    ]);
    expect({ create: create.status, ms: create.ms < 10_000 }).toEqual({ create: 503, ms: true });
    expect({ me: me.status, ms: me.ms < 10_000 }).toEqual({ me: 503, ms: true });

    pgProxy.setMode('pass');
    expect(await owned()).toEqual(before);
    await createAndComplete('a Postgres stall');
  });

  for (const mode of ['refuse', 'blackhole'] as const) {
    it(`Redis ${mode === 'refuse' ? 'refusing connections' : 'silent (no answer)'}: quick answers, nothing lost, the worker resumes`, async () => {
      const before = await owned();
      redisProxy.setMode(mode);

      const ready = await timed('GET', '/health/ready');
      // Bounded at 2 s per probe, as above.
      expect({ status: ready.status, fast: ready.ms < 4000 }).toEqual({ status: 503, fast: true });
      expect(ready.body.checks.redis.status).toBe('down');

      // The database is the truth: a create may be accepted (the reconciler enqueues it once Redis
      // is back) or refused with 503 — but quickly, and never charged without its infograph.
      const create = await timed('POST', '/api/infographs/create/', { prompt: `redis ${mode}` });
      expect(create.ms).toBeLessThan(5000);
      expect([201, 503]).toContain(create.status);
      const accepted = create.status === 201;
      expect(await owned()).toEqual({
        balance: before.balance - (accepted ? 1 : 0),
        infographs: before.infographs + (accepted ? 1 : 0),
      });

      redisProxy.setMode('pass');
      // Accepted during the outage: it must not be lost (the reconciler enqueues it).
      const id = accepted ? (create.body.infographs[0].id as string) : null;
      const done = await waitFor(
        () =>
          id
            ? httpRequest(api.url, 'GET', `/api/infographs/status/${id}/`, { token })
            : Promise.resolve({
                status: 200,
                headers: new Headers(),
                body: { status: 'completed' },
              }),
        (r) => r.body?.status === 'completed' || r.body?.status === 'failed',
        { timeoutMs: 30_000, intervalMs: 200, describe: 'the infograph created during the outage' },
      );
      expect(done.body.status).toBe('completed');
      await createAndComplete(`Redis ${mode}`);
    });
  }
});
