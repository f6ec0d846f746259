// Scenario: the pipeline in the deployment shapes of docs/deployment.md: 1 api + 1 worker straight
// to Postgres (the pipeline scenario's default), the same through PgBouncer in transaction mode
// (DATABASE_POOLER=transaction), and 2 apis + 2 workers, direct and through PgBouncer. Creates and
// fal's webhooks take turns between the apis (each worker names one api as PUBLIC_API_URL).
// On one 2-core machine every process shares the same cores: this measures what the pooler and
// the extra processes cost, not how far more hosts would scale.
//   node bench/run.mjs topology [--quick] [--n 4000] [--concurrency 100] [--per-request 4]
import { PgBouncer } from '../test/support/pgbouncer';
import {
  DATABASE_URL,
  RssSampler,
  benchPool,
  fmt,
  freshDatabase,
  log,
  parseArgs,
  runScenario,
  serverVersions,
  sleep,
  stopProcess,
  table,
  writeResult,
} from './lib/common';
import { drive, startStack, startWorkers, stopWorkers } from './lib/pipeline-run';

interface Variant {
  name: string;
  apis: number;
  workers: number;
  pooled: boolean;
}

const VARIANTS: Variant[] = [
  { name: 'direct 1+1', apis: 1, workers: 1, pooled: false },
  { name: 'pgbouncer 1+1', apis: 1, workers: 1, pooled: true },
  { name: 'direct 2+2', apis: 2, workers: 2, pooled: false },
  { name: 'pgbouncer 2+2', apis: 2, workers: 2, pooled: true },
];

runScenario('topology', async () => {
  const args = parseArgs();
  const n = args.num('n', args.quick ? 2000 : 10_000);
  const concurrency = args.num('concurrency', 100);
  const perRequest = args.num('per-request', 4);
  const timeoutMs = args.num('timeout', args.quick ? 90 : 600) * 1000;
  log(`topology: ${n} infographs per run (${perRequest} per create), concurrency ${concurrency}`);

  await freshDatabase();
  const pool = benchPool();
  const versions = await serverVersions(pool);
  // As docs/deployment.md asks of a pooled deployment: the role bounds statements (the apps can
  // no longer set statement_timeout per session). Dropped with the bench database.
  await pool.query(
    `ALTER ROLE CURRENT_USER IN DATABASE "${new URL(DATABASE_URL).pathname.slice(1)}" SET statement_timeout = '5s'`,
  );
  // As many server connections as the direct runs may open, so the pooler is not the limit.
  const bouncer = await PgBouncer.start(DATABASE_URL, { poolSize: 40 });
  const pooledEnv = {
    DATABASE_URL: bouncer.urlFor(DATABASE_URL),
    DATABASE_DIRECT_URL: DATABASE_URL,
    DATABASE_POOLER: 'transaction',
  };

  const runs = [];
  try {
    for (const variant of VARIANTS) {
      const stack = await startStack({
        apis: variant.apis,
        env: variant.pooled ? pooledEnv : {},
      });
      await startWorkers(stack, variant.workers, concurrency);
      // Not counted: JIT, caches and the pooler's first server connections.
      const warmUp = Math.min(n, 500);
      await drive(pool, stack, {
        total: warmUp,
        users: 10,
        perRequest,
        concurrency: 16,
        timeoutMs,
        tag: `${variant.name}-warm-up`,
      });
      await sleep(500);
      const sampler = new RssSampler(
        () => [...stack.apis.map((a) => a.proc), ...stack.workers, stack.falSim],
        500,
      );
      log(`run: ${variant.name}`);
      const result = await drive(pool, stack, {
        total: n,
        users: 10,
        perRequest,
        concurrency: 16,
        timeoutMs,
        tag: variant.name,
      });
      sampler.stop();
      await stopWorkers(stack);
      await Promise.all([...stack.apis.map((a) => stopProcess(a.proc)), stopProcess(stack.falSim)]);
      runs.push({ ...variant, ...result });
      log(
        `  ${result.completed}/${n} completed (${result.failed} failed, ${result.createErrors} create errors) in ${fmt(result.drainSeconds)} s: ${fmt(result.completedPerSecond)}/s, p50 ${fmt(result.latencyP50Ms)} ms, p99 ${fmt(result.latencyP99Ms)} ms` +
          (result.errors.length ? `; errors: ${JSON.stringify(result.errors)}` : ''),
      );
    }
  } finally {
    await bouncer.stop();
  }

  const base = runs[0]?.completedPerSecond ?? NaN;
  const rows = runs.map((r) => ({
    variant: r.name,
    apis: r.apis,
    workers: r.workers,
    database: r.pooled ? 'PgBouncer (transaction)' : 'direct',
    completed: `${r.completed}/${n}`,
    failed: r.failed,
    'completed/s': r.completedPerSecond,
    'vs direct 1+1': `${fmt(r.completedPerSecond / base)}×`,
    'p50 ms': r.latencyP50Ms,
    'p99 ms': r.latencyP99Ms,
    'CPU ms/infograph': Object.values(r.cpuMsPerInfograph).reduce((a, b) => a + b, 0),
    'postgres CPU ms': r.cpuMsPerInfograph.postgres,
  }));
  const text = table(
    `Topologies: ${n} infographs per run, ${perRequest} per create, worker concurrency ${concurrency}, fal-sim latency 0 (one 2-core machine: overhead, not scaling)`,
    rows,
  );
  process.stdout.write(`\n${text}\n`);
  const file = writeResult(
    'topology',
    { n, perRequest, concurrency, versions, runs, summary: rows },
    text,
  );
  log(`results: ${file}`);
  await pool.end();
});
