// Scenario: fair share of fal's capacity. fal-sim plays an account with a concurrency limit and
// fal's latency by resolution, scaled (0.05: 1 s ≈ 20 s); one heavy user creates a backlog at
// once, then ten light users create one each at intervals. Run twice: with FAL_MAX_IN_FLIGHT at
// the account's limit (our fair queue) and at 0 (today: everything goes to fal, fal's FIFO).
// Printed, not asserted.
//   node bench/run.mjs fairness [--quick] [--heavy 400] [--limit 4] [--scale 0.05] [--light 10]
import type { Pool } from 'pg';

import {
  Proc,
  benchPool,
  flushPrefix,
  fmt,
  freePort,
  freshDatabase,
  log,
  parseArgs,
  percentile,
  productEnv,
  runScenario,
  seedUsers,
  sleep,
  startProcess,
  stopProcess,
  table,
  waitForHttp,
  writeResult,
} from './lib/common';

interface SimRequest {
  prompt: string;
  createdAt: string;
  startedAt?: string;
  completedAt?: string;
}

interface Phase {
  /** Light users' create → completed (ms), and create → started at fal (ms). */
  lightMs: number[];
  lightWaitMs: number[];
  /**
   * Each light user's time to image beyond its own generation at fal (everything but fal's work:
   * the wait for a slot, our pipeline), and how many met 1.5 × their own generation + 1 s. fal's
   * slow tail makes some generations take many times the median; the target is about waiting.
   */
  lightBeyondGenMs: number[];
  lightWithinOwnTarget: number;
  /** fal's generation times in this phase (started → completed at fal-sim), ms, sorted. */
  genMs: number[];
  heavyTotalMs?: number;
  heavyIdealMs?: number;
  utilisation?: number;
  /** A freed slot to the next request at fal: the k-th submit after the (k − limit)-th result. */
  handoffMs?: number[];
  peakAtFal: number;
}

runScenario('fairness', async () => {
  const args = parseArgs();
  const heavy = args.num('heavy', args.quick ? 100 : 400);
  const limit = args.num('limit', 4);
  const scale = args.num('scale', 0.05);
  const lightUsers = args.num('light', 10);
  log(
    `fairness: fal account limit ${limit}, fal latency × ${scale}; heavy user ${heavy} at once, ${lightUsers} light users 1 each`,
  );
  await freshDatabase();
  const pool = benchPool();
  const modes: { name: string; maxInFlight: number; alone: Phase; backlog: Phase }[] = [];
  for (const [name, maxInFlight] of [
    [`fair queue (FAL_MAX_IN_FLIGHT=${limit})`, limit],
    ['fal FIFO (FAL_MAX_IN_FLIGHT=0)', 0],
  ] as const) {
    log(`mode: ${name}`);
    const stack = await startStack(limit, scale, maxInFlight);
    try {
      const alone = await lightPhase(pool, stack, lightUsers, `${maxInFlight}-alone`, 1500);
      log(`  alone: light p50 ${fmt(percentile(alone.lightMs, 50))} ms`);
      const backlog = await backlogPhase(pool, stack, heavy, lightUsers, limit, scale, maxInFlight);
      log(
        `  backlog: light p50 ${fmt(percentile(backlog.lightMs, 50))} ms, p99 ${fmt(percentile(backlog.lightMs, 99))} ms; heavy ${fmt((backlog.heavyTotalMs ?? NaN) / 1000)} s (ideal ${fmt((backlog.heavyIdealMs ?? NaN) / 1000)} s); utilisation ${fmt((backlog.utilisation ?? NaN) * 100)} %`,
      );
      modes.push({ name, maxInFlight, alone, backlog });
    } finally {
      await Promise.all(stack.procs.map((p) => stopProcess(p)));
      await flushPrefix();
    }
  }

  const rows = modes.flatMap((m) =>
    (['alone', 'backlog'] as const).map((phase) => {
      const p = m[phase];
      const gen = percentile(p.genMs, 50);
      const target = 1.5 * gen + 1000;
      return {
        mode: m.name,
        phase: phase === 'alone' ? 'light users alone' : `after ${heavy} from one user`,
        'one generation (p50)': `${fmt(gen)} ms`,
        'light p50': `${fmt(percentile(p.lightMs, 50))} ms`,
        'light p99': `${fmt(percentile(p.lightMs, 99))} ms`,
        'target (1.5 × gen + 1 s)': `${fmt(target)} ms`,
        'light within 1.5 × own gen + 1 s': `${p.lightWithinOwnTarget}/${p.lightMs.length}`,
        'light beyond own gen p50/p99': `${fmt(percentile(p.lightBeyondGenMs, 50))} / ${fmt(percentile(p.lightBeyondGenMs, 99))} ms`,
        'light wait for fal p50/p99': `${fmt(percentile(p.lightWaitMs, 50))} / ${fmt(percentile(p.lightWaitMs, 99))} ms`,
        'heavy total / ideal':
          p.heavyTotalMs === undefined
            ? '–'
            : `${fmt(p.heavyTotalMs / 1000)} s / ${fmt((p.heavyIdealMs ?? NaN) / 1000)} s (${fmt(p.heavyTotalMs / (p.heavyIdealMs ?? NaN))}×)`,
        'fal slot use while work waits':
          p.utilisation === undefined ? '–' : `${fmt(p.utilisation * 100)} %`,
        'slot handoff p50/p99':
          p.handoffMs === undefined || phase === 'alone' || m.maxInFlight === 0
            ? '–'
            : `${fmt(percentile(p.handoffMs, 50))} / ${fmt(percentile(p.handoffMs, 99))} ms`,
        'peak at fal': p.peakAtFal,
      };
    }),
  );
  const text = table(
    `Fairness: fal account limit ${limit}, fal latency × ${scale} (1K: ${fmt(15 * scale)}–${fmt(25 * scale)} s, 15 % slow tail up to ${fmt(150 * scale)} s); one user creates ${heavy} at once, then ${lightUsers} light users create 1 each`,
    rows,
  );
  process.stdout.write(`\n${text}\n`);
  const file = writeResult(
    'fairness',
    { heavy, limit, scale, lightUsers, modes, summary: rows },
    text,
  );
  log(`results: ${file}`);
  await pool.end();
});

interface Stack {
  apiPort: number;
  simPort: number;
  procs: Proc[];
}

async function startStack(limit: number, scale: number, maxInFlight: number): Promise<Stack> {
  const [apiPort, simPort, workerPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const falSim = startProcess('fal-sim', 'apps/fal-sim/src/main.js', {
    FAL_SIM_PORT: String(simPort),
    FAL_SIM_HOST: '127.0.0.1',
    FAL_SIM_CONCURRENCY: String(limit),
    FAL_SIM_LATENCY_PROFILE: 'fal',
    FAL_SIM_LATENCY_SCALE: String(scale),
    FAL_SIM_BENCH_IMAGE: '1',
    FAL_SIM_MAX_REQUESTS: '50000',
    FAL_SIM_LOG_LEVEL: 'warn',
  });
  await waitForHttp(`http://127.0.0.1:${simPort}/_sim/health`, falSim);
  const env = {
    ...productEnv({ api: apiPort, falSim: simPort }),
    FAL_MAX_IN_FLIGHT: String(maxInFlight),
  };
  const api = startProcess('api', 'apps/api/src/main.js', env);
  await waitForHttp(`http://127.0.0.1:${apiPort}/health/live`, api);
  const worker = startProcess('worker-1', 'apps/worker/src/main.js', {
    ...env,
    WORKER_HEALTH_PORT: String(workerPort),
  });
  await waitForHttp(`http://127.0.0.1:${workerPort}/health/live`, worker);
  return { apiPort, simPort, procs: [worker, api, falSim] };
}

async function create(stack: Stack, token: string, prompt: string, n: number): Promise<string[]> {
  const response = await fetch(`http://127.0.0.1:${stack.apiPort}/api/infographs/create/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Token ${token}` },
    body: JSON.stringify({ prompt, resolution: '1K', number_of_infographs: n }),
  });
  const body = (await response.json()) as { infographs?: { id: string }[] };
  if (response.status !== 201 || !body.infographs) {
    throw new Error(`create answered ${response.status}: ${JSON.stringify(body)}`);
  }
  return body.infographs.map((i) => i.id);
}

async function waitTerminal(pool: Pool, ids: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM infographs WHERE id = ANY($1) AND status IN ('completed', 'failed')`,
      [ids],
    );
    if (rows[0].n >= ids.length) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`only ${rows[0].n}/${ids.length} finished after ${timeoutMs} ms`);
    }
    await sleep(200);
  }
}

/** Each id's create → completed in ms (failed ones are left out and reported). */
async function timesOf(
  pool: Pool,
  ids: string[],
): Promise<{ id: string; created: number; done: number | null }[]> {
  const { rows } = await pool.query<{
    id: string;
    created: number;
    done: number | null;
    status: string;
  }>(
    `SELECT id, extract(epoch FROM created_at)::float8 * 1000 AS created,
            extract(epoch FROM completed_at)::float8 * 1000 AS done, status
       FROM infographs WHERE id = ANY($1)`,
    [ids],
  );
  const failed = rows.filter((r) => r.status !== 'completed').length;
  if (failed > 0) {
    log(`  ${failed} of ${ids.length} failed`);
  }
  return rows;
}

async function simRequests(stack: Stack): Promise<SimRequest[]> {
  const body = (await (await fetch(`http://127.0.0.1:${stack.simPort}/_sim/requests`)).json()) as {
    requests: SimRequest[];
  };
  return body.requests;
}

async function simPeak(stack: Stack): Promise<number> {
  const stats = (await (await fetch(`http://127.0.0.1:${stack.simPort}/_sim/stats`)).json()) as {
    peakOutstanding: number;
  };
  return stats.peakOutstanding;
}

const ms = (iso?: string): number => (iso ? Date.parse(iso) : NaN);
const sorted = (xs: number[]): number[] => xs.filter(Number.isFinite).sort((a, b) => a - b);

/** The light users' wait for fal: create → started at fal-sim, matched by prompt. */
function lightWaits(
  requests: SimRequest[],
  light: { prompt: string; created: number }[],
): number[] {
  const startedAt = (prompt: string) =>
    ms(requests.find((r) => r.prompt.includes(prompt))?.startedAt);
  return sorted(light.map((l) => startedAt(l.prompt) - l.created));
}

/** Light users alone, one create each `intervalMs` apart. */
async function lightPhase(
  pool: Pool,
  stack: Stack,
  count: number,
  tag: string,
  intervalMs: number,
): Promise<Phase> {
  await fetch(`http://127.0.0.1:${stack.simPort}/_sim/reset`, { method: 'POST' });
  const users = await seedUsers(pool, count, 100, `light-${tag}`);
  const light = await createLight(stack, users, tag, intervalMs);
  await waitTerminal(
    pool,
    light.map((l) => l.id),
    300_000,
  );
  return summarise(pool, stack, light);
}

async function createLight(
  stack: Stack,
  users: { token: string }[],
  tag: string,
  intervalMs: number,
): Promise<{ id: string; prompt: string }[]> {
  const light: { id: string; prompt: string }[] = [];
  for (const [i, user] of users.entries()) {
    // A token no other prompt contains: fal sees it inside our built prompt.
    const prompt = `light user ${tag}-n${i}-end`;
    const [id] = await create(stack, user.token, prompt, 1);
    light.push({ id, prompt });
    await sleep(intervalMs);
  }
  return light;
}

async function summarise(
  pool: Pool,
  stack: Stack,
  light: { id: string; prompt: string }[],
): Promise<Phase> {
  const times = await timesOf(
    pool,
    light.map((l) => l.id),
  );
  const byId = new Map(times.map((t) => [t.id, t]));
  const requests = await simRequests(stack);
  const own = light.map((l) => {
    const t = byId.get(l.id);
    const atFal = requests.find((r) => r.prompt.includes(l.prompt));
    return {
      total: (t?.done ?? NaN) - (t?.created ?? NaN),
      gen: ms(atFal?.completedAt) - ms(atFal?.startedAt),
    };
  });
  return {
    lightBeyondGenMs: sorted(own.map((o) => o.total - o.gen)),
    lightWithinOwnTarget: own.filter((o) => o.total <= 1.5 * o.gen + 1000).length,
    lightMs: sorted(times.map((t) => (t.done ?? NaN) - t.created)),
    lightWaitMs: lightWaits(
      requests,
      light.map((l) => ({ prompt: l.prompt, created: byId.get(l.id)?.created ?? NaN })),
    ),
    genMs: sorted(requests.map((r) => ms(r.completedAt) - ms(r.startedAt))),
    peakAtFal: await simPeak(stack),
  };
}

async function backlogPhase(
  pool: Pool,
  stack: Stack,
  heavyCount: number,
  lightCount: number,
  limit: number,
  scale: number,
  maxInFlight: number,
): Promise<Phase> {
  await fetch(`http://127.0.0.1:${stack.simPort}/_sim/reset`, { method: 'POST' });
  const [heavyUser] = await seedUsers(pool, 1, 1_000_000, `heavy-${maxInFlight}`);
  const users = await seedUsers(pool, lightCount, 100, `light-backlog-${maxInFlight}`);
  const started = Date.now();
  // All at once: 4 per create (the most one create makes), 10 creates in flight.
  const heavyIds: string[] = [];
  let left = heavyCount;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (left > 0) {
        const n = Math.min(4, left);
        left -= n;
        heavyIds.push(...(await create(stack, heavyUser.token, 'heavy backlog', n)));
      }
    }),
  );
  // Light users come while the backlog drains: spread over the first ~70 % of its ideal length
  // (a typical 1K generation is 20 s × scale).
  const idealMs = (heavyCount * 20_000 * scale) / limit;
  const light = await createLight(
    stack,
    users,
    `backlog-${maxInFlight}`,
    (0.7 * idealMs) / lightCount,
  );
  await waitTerminal(pool, [...heavyIds, ...light.map((l) => l.id)], 30 * 60_000);

  const phase = await summarise(pool, stack, light);
  const requests = await simRequests(stack);
  const heavyTimes = await timesOf(pool, heavyIds);
  const heavyDone = Math.max(...heavyTimes.map((t) => t.done ?? -Infinity));
  // All of fal's work in this phase (the light users' too) spread over every slot from the first
  // create: the backlog cannot drain sooner in any order (the heavy user's is the last to finish).
  const heavyIdealMs =
    requests.map((r) => ms(r.completedAt) - ms(r.startedAt)).reduce((a, b) => a + b, 0) / limit;
  // While work waits (from the first request at fal to the last one's start), the share of the
  // limit's slot time fal spent generating.
  const from = Math.min(...requests.map((r) => ms(r.createdAt)));
  const to = Math.max(...requests.map((r) => ms(r.startedAt)));
  const busy = requests.reduce(
    (sum, r) =>
      sum + Math.max(0, Math.min(to, ms(r.completedAt)) - Math.max(from, ms(r.startedAt))),
    0,
  );
  const created = sorted(requests.map((r) => ms(r.createdAt)));
  const completed = sorted(requests.map((r) => ms(r.completedAt)));
  const handoffMs = sorted(
    created
      .slice(limit)
      .map((at, k) => at - completed[k])
      .filter((gap) => gap >= 0),
  );
  return {
    ...phase,
    handoffMs,
    heavyTotalMs: heavyDone - started,
    heavyIdealMs,
    utilisation: busy / (limit * (to - from)),
  };
}
