// The whole pipeline against the real processes: fal-sim (zero latency, bench image), the api and
// N worker processes; used by the pipeline, soak and profile scenarios.
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import type { Pool } from 'pg';

import {
  PREFIX,
  Proc,
  REDIS_URL,
  cpuMsOf,
  cpuMsOfCommand,
  freePort,
  log,
  percentile,
  productEnv,
  seedUsers,
  sleep,
  startProcess,
  stopProcess,
  waitForHttp,
} from './common';

export interface Stack {
  apiPort: number;
  simPort: number;
  api: Proc;
  /** Every api (the first is `api`), behind no balancer: creates and webhooks take turns. */
  apis: { port: number; proc: Proc }[];
  falSim: Proc;
  workers: Proc[];
  env: Record<string, string>;
}

/**
 * fal-sim and the api (`apis` of them, default 1); workers come and go per configuration. `env`
 * goes on top of the product settings of every app (e.g. DATABASE_URL through a pooler).
 */
export async function startStack(
  options: {
    realImages?: boolean;
    apiNodeArgs?: string[];
    falSimNodeArgs?: string[];
    apis?: number;
    env?: Record<string, string>;
  } = {},
): Promise<Stack> {
  const [apiPort, simPort] = await Promise.all([freePort(), freePort()]);
  const env = { ...productEnv({ api: apiPort, falSim: simPort }), ...options.env };
  const falSim = startProcess(
    'fal-sim',
    'apps/fal-sim/src/main.js',
    {
      FAL_SIM_PORT: String(simPort),
      FAL_SIM_HOST: '127.0.0.1',
      FAL_SIM_LATENCY_MS: '0',
      // Our pipeline's throughput is measured, not a fal account's concurrency limit.
      FAL_SIM_CONCURRENCY: '0',
      FAL_SIM_BENCH_IMAGE: options.realImages ? '0' : '1',
      FAL_SIM_MAX_REQUESTS: '50000',
      FAL_SIM_LOG_LEVEL: 'warn',
    },
    options.falSimNodeArgs,
  );
  await waitForHttp(`http://127.0.0.1:${simPort}/_sim/health`, falSim);
  const api = await startApi(env, apiPort, options.apiNodeArgs);
  const apis = [{ port: apiPort, proc: api }];
  for (let i = 2; i <= (options.apis ?? 1); i++) {
    const port = await freePort();
    const proc = await startApi(
      { ...env, API_PORT: String(port), PUBLIC_API_URL: `http://127.0.0.1:${port}` },
      port,
      options.apiNodeArgs,
      `api-${i}`,
    );
    apis.push({ port, proc });
  }
  return { apiPort, simPort, api, apis, falSim, workers: [], env };
}

export async function startApi(
  env: Record<string, string>,
  apiPort: number,
  nodeArgs: string[] = [],
  name = 'api',
): Promise<Proc> {
  const api = startProcess(name, 'apps/api/src/main.js', env, nodeArgs);
  await waitForHttp(`http://127.0.0.1:${apiPort}/health/live`, api);
  return api;
}

export async function startWorkers(
  stack: Stack,
  count: number,
  concurrency: number,
  nodeArgs: string[] = [],
): Promise<Proc[]> {
  const workers: Proc[] = [];
  for (let i = 0; i < count; i++) {
    const port = await freePort();
    const worker = startProcess(
      `worker-${i + 1}`,
      'apps/worker/src/main.js',
      {
        ...stack.env,
        WORKER_HEALTH_PORT: String(port),
        WORKER_CONCURRENCY: String(concurrency),
        // fal calls back the api this worker names: with several apis, each gets its share.
        PUBLIC_API_URL: `http://127.0.0.1:${stack.apis[i % stack.apis.length].port}`,
      },
      nodeArgs,
    );
    await waitForHttp(`http://127.0.0.1:${port}/health/live`, worker);
    workers.push(worker);
  }
  stack.workers = workers;
  return workers;
}

export async function stopWorkers(stack: Stack): Promise<void> {
  await Promise.all(stack.workers.map((w) => stopProcess(w)));
  stack.workers = [];
}

/** Counts waiting/active/delayed jobs of the three step queues. */
export class QueueWatch {
  private readonly connection = new IORedis(REDIS_URL, { maxRetriesPerRequest: 1 });
  private readonly queues = ['submit', 'upload', 'notify'].map(
    (name) => new Queue(name, { connection: this.connection, prefix: PREFIX }),
  );

  async pending(): Promise<number> {
    const counts = await Promise.all(
      this.queues.map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'prioritized')),
    );
    return counts.reduce((sum, c) => sum + Object.values(c).reduce((a, b) => a + b, 0), 0);
  }

  async close(): Promise<void> {
    await Promise.all(this.queues.map((q) => q.close()));
    this.connection.disconnect();
  }
}

export interface DriveResult {
  requested: number;
  created: number;
  completed: number;
  failed: number;
  createErrors: number;
  /** Seconds from the first create to the last completed_at (database clock). */
  busySeconds: number;
  /** Seconds from the first create sent to every infograph terminal and the queues empty. */
  drainSeconds: number;
  createSeconds: number;
  completedPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  errors: { message: string; n: number }[];
  timedOut: boolean;
  /** fal-sim's webhook attempts, and how many the api answered 503 ("not submitted yet"). */
  webhookAttempts: number;
  webhook503: number;
  /** CPU ms per completed infograph, by process (workers summed), from first create to drained. */
  cpuMsPerInfograph: Record<'api' | 'workers' | 'falSim' | 'postgres' | 'redis' | 'driver', number>;
}

/** CPU used so far by each part of the stack (ms). */
function cpuSample(stack: Stack): DriveResult['cpuMsPerInfograph'] {
  const driver = process.cpuUsage();
  return {
    api: stack.apis.reduce((sum, a) => sum + (cpuMsOf(a.proc.pid) ?? 0), 0),
    workers: stack.workers.reduce((sum, w) => sum + (cpuMsOf(w.pid) ?? 0), 0),
    falSim: cpuMsOf(stack.falSim.pid) ?? 0,
    postgres: cpuMsOfCommand('postgres'),
    redis: cpuMsOfCommand('redis-server'),
    driver: (driver.user + driver.system) / 1000,
  };
}

/** Webhook attempts fal-sim recorded since its last reset, then resets it (frees its memory). */
export async function webhookStats(stack: Stack): Promise<{ attempts: number; status503: number }> {
  const base = `http://127.0.0.1:${stack.simPort}/_sim`;
  const { requests } = (await (await fetch(`${base}/requests`)).json()) as {
    requests?: { webhook?: { attempts?: { statusCode?: number }[] } }[];
  };
  let attempts = 0;
  let status503 = 0;
  for (const r of requests ?? []) {
    for (const a of r.webhook?.attempts ?? []) {
      attempts++;
      status503 += a.statusCode === 503 ? 1 : 0;
    }
  }
  await fetch(`${base}/reset`, { method: 'POST' });
  return { attempts, status503 };
}

/**
 * Creates `total` infographs (`perRequest` per create call, `concurrency` calls in flight, spread
 * over `users`), optionally holding back while more than `maxBacklog` are unfinished, then waits
 * until all are terminal and the step queues are empty (or `timeoutMs`).
 */
export async function drive(
  pool: Pool,
  stack: Stack,
  options: {
    total?: number;
    untilMs?: number;
    users: number;
    perRequest: number;
    concurrency: number;
    maxBacklog?: number;
    timeoutMs: number;
    tag: string;
    onProgress?: (done: number) => void;
  },
): Promise<DriveResult> {
  const users = await seedUsers(pool, options.users, 1_000_000_000, options.tag);
  const userIds = users.map((u) => u.id);
  const watch = new QueueWatch();
  const body = JSON.stringify({
    prompt: 'A benchmark infographic about pipeline throughput',
    number_of_infographs: options.perRequest,
  });
  const urls = stack.apis.map((a) => `http://127.0.0.1:${a.port}/api/infographs/create/`);
  let requested = 0;
  let created = 0;
  let createErrors = 0;
  let terminal = 0;
  let completed = 0;
  let failed = 0;
  let createsDone = false;
  const started = Date.now();
  const cpuBefore = cpuSample(stack);
  const keepCreating = (): boolean =>
    options.total !== undefined
      ? requested < options.total
      : Date.now() - started < (options.untilMs ?? 0);

  let next = 0;
  const creator = async (): Promise<void> => {
    while (keepCreating()) {
      if (options.maxBacklog !== undefined && created - terminal > options.maxBacklog) {
        await sleep(50);
        continue;
      }
      const n =
        options.total !== undefined
          ? Math.min(options.perRequest, options.total - requested)
          : options.perRequest;
      requested += n;
      const user = users[next % users.length];
      const url = urls[next++ % urls.length];
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Token ${user.token}` },
          body:
            n === options.perRequest
              ? body
              : JSON.stringify({ ...JSON.parse(body), number_of_infographs: n }),
        });
        await response.arrayBuffer();
        if (response.status === 201) {
          created += n;
        } else {
          createErrors++;
        }
      } catch {
        createErrors++;
      }
    }
  };
  const creators = Promise.all(Array.from({ length: options.concurrency }, creator)).then(() => {
    createsDone = true;
  });
  let createSeconds = 0;
  void creators.then(() => (createSeconds = (Date.now() - started) / 1000));

  let timedOut = false;
  let lastLog = Date.now();
  for (;;) {
    await sleep(250);
    const counts = await pool.query<{ completed: number; failed: number }>(
      `SELECT count(*) FILTER (WHERE status = 'completed')::int AS completed,
              count(*) FILTER (WHERE status = 'failed')::int AS failed
         FROM infographs WHERE user_id = ANY($1)`,
      [userIds],
    );
    completed = counts.rows[0].completed;
    failed = counts.rows[0].failed;
    terminal = completed + failed;
    options.onProgress?.(terminal);
    if (Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      log(`  … created ${created}, terminal ${terminal}`);
    }
    if (createsDone && terminal >= created && (await watch.pending()) === 0) {
      break;
    }
    if (Date.now() - started > options.timeoutMs) {
      timedOut = true;
      log(`  timed out after ${options.timeoutMs} ms: created ${created}, terminal ${terminal}`);
      break;
    }
  }
  const drainSeconds = (Date.now() - started) / 1000;
  const cpuAfter = cpuSample(stack);
  const cpuMsPerInfograph = Object.fromEntries(
    Object.entries(cpuAfter).map(([part, ms]) => [
      part,
      (ms - cpuBefore[part as keyof typeof cpuBefore]) / Math.max(1, completed),
    ]),
  ) as DriveResult['cpuMsPerInfograph'];
  await creators;
  await watch.close();

  const times = await pool.query<{ created: number; done: number }>(
    `SELECT extract(epoch FROM created_at)::float8 AS created, extract(epoch FROM completed_at)::float8 AS done
       FROM infographs WHERE user_id = ANY($1) AND status = 'completed'`,
    [userIds],
  );
  const errors = await pool.query<{ message: string; n: number }>(
    `SELECT coalesce(error_message, '?') AS message, count(*)::int AS n FROM infographs
      WHERE user_id = ANY($1) AND status = 'failed' GROUP BY 1 ORDER BY 2 DESC LIMIT 3`,
    [userIds],
  );
  const latencies = times.rows.map((r) => (r.done - r.created) * 1000).sort((a, b) => a - b);
  const first = times.rows.reduce((m, r) => Math.min(m, r.created), Infinity);
  const last = times.rows.reduce((m, r) => Math.max(m, r.done), -Infinity);
  const busySeconds = times.rows.length ? last - first : NaN;
  const hooks = await webhookStats(stack).catch(() => ({ attempts: NaN, status503: NaN }));
  return {
    cpuMsPerInfograph,
    webhookAttempts: hooks.attempts,
    webhook503: hooks.status503,
    requested,
    created,
    completed,
    failed,
    createErrors,
    busySeconds,
    drainSeconds,
    createSeconds,
    completedPerSecond: completed / busySeconds,
    latencyP50Ms: percentile(latencies, 50),
    latencyP99Ms: percentile(latencies, 99),
    errors: errors.rows,
    timedOut,
  };
}
