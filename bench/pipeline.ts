// Scenario 2: pipeline throughput create → submit → webhook → upload → notify, with fal-sim
// answering at once and serving one small pre-rendered image, the local storage driver, and 1 or
// 2 worker processes at several WORKER_CONCURRENCY settings, for each FAL_MAX_IN_FLIGHT given
// (default 10000: the fair queue in front of fal on, never holding back). completed/s is also
// given as a ratio to the bare create route (bench/lib/bare-create.ts), measured before and after
// in the same run, so that figure carries across machines.
//   node bench/run.mjs pipeline [--quick] [--n 10000] [--workers 1,2] [--concurrency 50,100,200]
//                               [--fal-max-in-flight 10000,0] [--per-request 4] [--real-images]
import { bareCreateRate } from './lib/bare-create';
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
  stopProcess,
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
  const limits = args.list('fal-max-in-flight', [10_000]);
  const bareSeconds = args.quick ? 3 : 10;
  const timeoutMs = args.num('timeout', args.quick ? 90 : 600) * 1000;

  log(
    `pipeline: ${n} infographs per run (${perRequest} per create), workers ${workerCounts.join(',')} × concurrency ${concurrencies.join(',')}, FAL_MAX_IN_FLIGHT ${limits.join(',')}${realImages ? ', real-size images' : ''}`,
  );
  await freshDatabase();
  const pool = benchPool();
  const versions = await serverVersions(pool);
  // The yardstick before and after (no worker runs meanwhile): both are kept, as a drift check.
  const bareCreate = async (tag: string): Promise<number> => {
    const rate = await bareCreateRate(pool, { connections: 100, seconds: bareSeconds, tag });
    log(`bare create route (${tag}): ${fmt(rate)} req/s at 100 connections`);
    return rate;
  };
  const bareBefore = await bareCreate('bare-before');

  const runs = [];
  for (const limit of limits) {
    const stack = await startStack({ realImages, env: { FAL_MAX_IN_FLIGHT: String(limit) } });
    // A run that is not counted first: the first configuration would otherwise pay for the api's,
    // fal-sim's and Postgres' warm-up (JIT, caches) and look slower than the rest.
    const warmUp = Math.min(n, args.quick ? 500 : 2000);
    log(`FAL_MAX_IN_FLIGHT=${limit}; warm-up: ${warmUp} infographs, not counted`);
    await startWorkers(stack, workerCounts[0], concurrencies[0]);
    await drive(pool, stack, {
      total: warmUp,
      users: 10,
      perRequest,
      concurrency: 16,
      timeoutMs,
      tag: `warm-up-${limit}`,
    });
    await stopWorkers(stack);

    for (const workers of workerCounts) {
      for (const concurrency of concurrencies) {
        await startWorkers(stack, workers, concurrency);
        await sleep(500);
        const sampler = new RssSampler(() => [stack.api, ...stack.workers, stack.falSim], 500);
        log(`run: ${workers} worker(s) × concurrency ${concurrency}, FAL_MAX_IN_FLIGHT=${limit}`);
        const result = await drive(pool, stack, {
          total: n,
          users: 10,
          perRequest,
          concurrency: 16,
          timeoutMs,
          tag: `p${workers}x${concurrency}-${limit}`,
        });
        const peaks = sampler.stop();
        await stopWorkers(stack);
        const workerPeak = Math.max(
          ...Object.entries(peaks)
            .filter(([k]) => k.startsWith('worker'))
            .map(([, v]) => v),
        );
        runs.push({
          falMaxInFlight: limit,
          workers,
          concurrency,
          ...result,
          peakRssMb: peaks,
          workerPeakRssMb: workerPeak,
        });
        log(
          `  ${result.completed}/${n} completed (${result.failed} failed) in ${fmt(result.drainSeconds)} s: ${fmt(result.completedPerSecond)}/s, p50 ${fmt(result.latencyP50Ms)} ms, p99 ${fmt(result.latencyP99Ms)} ms` +
            (result.errors.length ? `; errors: ${JSON.stringify(result.errors)}` : ''),
        );
      }
    }
    await Promise.all([stopProcess(stack.api), stopProcess(stack.falSim)]);
  }
  const bareAfter = await bareCreate('bare-after');
  const bare = (bareBefore + bareAfter) / 2;

  const base = runs[0]?.completedPerSecond ?? NaN;
  const rows = runs.map((r) => ({
    FAL_MAX_IN_FLIGHT: r.falMaxInFlight,
    workers: r.workers,
    concurrency: r.concurrency,
    completed: `${r.completed}/${n}`,
    failed: r.failed,
    'completed/s': r.completedPerSecond,
    'vs bare create': r.completedPerSecond / bare,
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
    `Pipeline: ${n} infographs per run, ${perRequest} per create call, fal-sim latency 0${realImages ? ' (real-size images)' : ', bench image'} (target: >= 300 completed/s); bare create route ${fmt(bareBefore)} req/s before, ${fmt(bareAfter)} after (100 connections)`,
    rows,
  );
  const cpu = table(
    'CPU ms per completed infograph, by process (the 2 cores give 2,000 ms a second in all)',
    runs.map((r) => ({
      FAL_MAX_IN_FLIGHT: r.falMaxInFlight,
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
    {
      n,
      perRequest,
      realImages,
      versions,
      bareCreate: { before: bareBefore, after: bareAfter, connections: 100 },
      runs,
      summary: rows,
    },
    `${text}\n${cpu}`,
  );
  log(`results: ${file}`);
  await pool.end();
});
