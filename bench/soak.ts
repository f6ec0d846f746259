// Scenario 3: memory soak — as many infographs as fit in the time budget through the whole
// pipeline (backlog bounded), sampling RSS every few seconds; prints the slope (linear regression).
//   node bench/run.mjs soak [--quick] [--count 100000 | --minutes 2] [--concurrency 100] [--interval 3]
// Full form: 100,000 infographs (the target); --quick: one minute; --minutes: a fixed time instead.
import {
  RssSampler,
  benchPool,
  fmt,
  freshDatabase,
  log,
  parseArgs,
  regression,
  runScenario,
  table,
  writeResult,
} from './lib/common';
import { drive, startStack, startWorkers } from './lib/pipeline-run';

runScenario('soak', async () => {
  const args = parseArgs();
  const byTime = args.quick || args.flags.has('minutes');
  const minutes = args.num('minutes', 1);
  const count = args.num('count', 100_000);
  const concurrency = args.num('concurrency', 100);
  const intervalS = args.num('interval', 3);

  log(
    `soak: ${byTime ? `${minutes} min of creates` : `${count} infographs`}, 1 worker × concurrency ${concurrency}, RSS every ${intervalS} s`,
  );
  await freshDatabase();
  const pool = benchPool();
  const stack = await startStack();
  await startWorkers(stack, 1, concurrency);
  const sampler = new RssSampler(() => [stack.api, ...stack.workers], intervalS * 1000);
  const result = await drive(pool, stack, {
    ...(byTime ? { untilMs: minutes * 60_000 } : { total: count }),
    users: 10,
    perRequest: 4,
    concurrency: 8,
    maxBacklog: 800,
    // Generous: the run is bounded by its count or its minutes; this only stops a stuck one.
    timeoutMs: byTime ? minutes * 60_000 + 120_000 : count * 20 + 120_000,
    tag: 'soak',
  });
  const peaks = sampler.stop();

  const rows = [];
  const series: Record<string, { t: number; rss: number }[]> = {};
  for (const name of ['worker-1', 'api']) {
    const samples = sampler.samples.filter((s) => s.name === name);
    series[name] = samples.map(({ t, rss }) => ({ t, rss }));
    // The first fifth is warm-up (JIT, pools, caches filling); the slope is fitted on the rest.
    const steady = samples.filter((s) => s.t >= samples[samples.length - 1].t / 5);
    const { slope } = regression(
      steady.map((s) => s.t / 60),
      steady.map((s) => s.rss),
    );
    const end = samples[samples.length - 1].t;
    const lastHalf = samples.filter((s) => s.t >= end / 2);
    const late = regression(
      lastHalf.map((s) => s.t / 60),
      lastHalf.map((s) => s.rss),
    ).slope;
    rows.push({
      process: name,
      samples: samples.length,
      'first MB': samples[0]?.rss ?? NaN,
      'after warm-up MB': steady[0]?.rss ?? NaN,
      'last MB': samples[samples.length - 1]?.rss ?? NaN,
      'peak MB': peaks[name] ?? NaN,
      'slope MB/min': slope,
      'slope 2nd half MB/min': late,
    });
  }
  const text =
    table(
      `Soak: ${result.completed} completed (${result.failed} failed) in ${fmt(result.drainSeconds)} s = ${fmt(result.completedPerSecond)}/s; p50 ${fmt(result.latencyP50Ms)} ms, p99 ${fmt(result.latencyP99Ms)} ms; webhook 503s ${result.webhook503}/${result.webhookAttempts}`,
      rows,
    ) +
    `(slope: least squares after the first fifth of the run, and over its second half; target: flat worker memory)\n`;
  process.stdout.write(`\n${text}\n`);
  const file = writeResult(
    'soak',
    {
      minutes: byTime ? minutes : undefined,
      count: byTime ? undefined : count,
      concurrency,
      result,
      summary: rows,
      series,
    },
    text,
  );
  log(`results: ${file}`);
  await pool.end();
});
