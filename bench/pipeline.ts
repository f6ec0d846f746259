// Scenario 2: pipeline throughput create → submit → webhook → upload → notify, with fal-sim
// answering at once and serving one small pre-rendered image, the local storage driver, and 1 or
// 2 worker processes at several WORKER_CONCURRENCY settings.
//   node bench/run.mjs pipeline [--quick] [--n 10000] [--workers 1,2] [--concurrency 50,100,200]
//                               [--per-request 4] [--real-images]
import {
  RssSampler,
  benchPool,
  fmt,
  freshDatabase,
  log,
  parseArgs,
  runScenario,
  serverVersions,
  sleep,
  table,
  writeResult,
} from './lib/common';
import { drive, startStack, startWorkers, stopWorkers } from './lib/pipeline-run';

runScenario('pipeline', async () => {
  const args = parseArgs();
  const n = args.num('n', args.quick ? 2000 : 10_000);
  const workerCounts = args.list('workers', [1, 2]);
  const concurrencies = args.list('concurrency', [50, 100, 200]);
  const perRequest = args.num('per-request', 4);
  const realImages = args.flags.has('real-images');
  const timeoutMs = args.num('timeout', args.quick ? 90 : 600) * 1000;

  log(
    `pipeline: ${n} infographs per run (${perRequest} per create), workers ${workerCounts.join(',')} × concurrency ${concurrencies.join(',')}${realImages ? ', real-size images' : ''}`,
  );
  await freshDatabase();
  const pool = benchPool();
  const versions = await serverVersions(pool);
  const stack = await startStack({ realImages });

  // A run that is not counted first: the first configuration would otherwise pay for the api's,
  // fal-sim's and Postgres' warm-up (JIT, caches) and look slower than the rest.
  const warmUp = Math.min(n, args.quick ? 500 : 2000);
  log(`warm-up: ${warmUp} infographs, not counted`);
  await startWorkers(stack, workerCounts[0], concurrencies[0]);
  await drive(pool, stack, {
    total: warmUp,
    users: 10,
    perRequest,
    concurrency: 16,
    timeoutMs,
    tag: 'warm-up',
  });
  await stopWorkers(stack);

  const runs = [];
  for (const workers of workerCounts) {
    for (const concurrency of concurrencies) {
      await startWorkers(stack, workers, concurrency);
      await sleep(500);
      const sampler = new RssSampler(() => [stack.api, ...stack.workers, stack.falSim], 500);
      log(`run: ${workers} worker(s) × concurrency ${concurrency}`);
      const result = await drive(pool, stack, {
        total: n,
        users: 10,
        perRequest,
        concurrency: 16,
        timeoutMs,
        tag: `p${workers}x${concurrency}`,
      });
      const peaks = sampler.stop();
      await stopWorkers(stack);
      const workerPeak = Math.max(
        ...Object.entries(peaks)
          .filter(([k]) => k.startsWith('worker'))
          .map(([, v]) => v),
      );
      const run = {
        workers,
        concurrency,
        ...result,
        peakRssMb: peaks,
        workerPeakRssMb: workerPeak,
      };
      runs.push(run);
      log(
        `  ${result.completed}/${n} completed (${result.failed} failed) in ${fmt(result.drainSeconds)} s: ${fmt(result.completedPerSecond)}/s, p50 ${fmt(result.latencyP50Ms)} ms, p99 ${fmt(result.latencyP99Ms)} ms` +
          (result.errors.length ? `; errors: ${JSON.stringify(result.errors)}` : ''),
      );
    }
  }

  const base = runs[0]?.completedPerSecond ?? NaN;
  const rows = runs.map((r) => ({
    workers: r.workers,
    concurrency: r.concurrency,
    completed: `${r.completed}/${n}`,
    failed: r.failed,
    'completed/s': r.completedPerSecond,
    'drain s': r.drainSeconds,
    'create s': r.createSeconds,
    'p50 ms': r.latencyP50Ms,
    'p99 ms': r.latencyP99Ms,
    'webhook 503s': `${r.webhook503}/${r.webhookAttempts}`,
    'worker peak MB': r.workerPeakRssMb,
    'api peak MB': r.peakRssMb.api ?? NaN,
    'fal-sim peak MB': r.peakRssMb['fal-sim'] ?? NaN,
    scaling: `${fmt(r.completedPerSecond / base)}×`,
  }));
  const text = table(
    `Pipeline: ${n} infographs per run, ${perRequest} per create call, fal-sim latency 0${realImages ? ' (real-size images)' : ', bench image'} (target: >= 300 completed/s)`,
    rows,
  );
  const cpu = table(
    'CPU ms per completed infograph, by process (the 2 cores give 2,000 ms a second in all)',
    runs.map((r) => ({
      workers: r.workers,
      concurrency: r.concurrency,
      ...Object.fromEntries(
        Object.entries(r.cpuMsPerInfograph).map(([k, v]) => [k === 'workers' ? 'worker(s)' : k, v]),
      ),
      total: Object.values(r.cpuMsPerInfograph).reduce((a, b) => a + b, 0),
    })),
  );
  process.stdout.write(`\n${text}\n${cpu}\n`);
  const file = writeResult(
    realImages ? 'pipeline-real-images' : 'pipeline',
    { n, perRequest, realImages, versions, runs, summary: rows },
    `${text}\n${cpu}`,
  );
  log(`results: ${file}`);
  await pool.end();
});
