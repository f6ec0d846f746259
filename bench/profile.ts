// Scenario 4: where the time goes. CPU profiles (`node --cpu-prof`) of (a) the api under create
// load and (b) the api and the worker while the pipeline runs; each summarised (top self-time
// functions, inclusive time of our own functions, time per package) into bench/results/.
//   node bench/run.mjs profile [--quick] [--duration 10] [--n 3000] [--concurrency 50]
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import autocannon from 'autocannon';

import {
  Proc,
  RESULTS,
  ROOT,
  benchPool,
  flushPrefix,
  fmt,
  freshDatabase,
  log,
  parseArgs,
  runScenario,
  seedUsers,
  sleep,
  stopProcess,
  table,
  writeResult,
} from './lib/common';
import { ProfileSummary, summariseProfile } from './lib/cpuprofile';
import { drive, startApi, startStack, startWorkers } from './lib/pipeline-run';

const DIR = join(RESULTS, 'profiles');
const profiled = (name: string): string[] => [
  '--cpu-prof',
  `--cpu-prof-dir=${DIR}`,
  `--cpu-prof-name=${name}.cpuprofile`,
  '-r',
  join(ROOT, 'dist', 'bench', 'lib', 'exit-on-signal.js'),
];

async function waitForFile(file: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(file)) {
    if (Date.now() > deadline) {
      throw new Error(`${file} was not written`);
    }
    await sleep(200);
  }
  await sleep(500);
}

function render(name: string, s: ProfileSummary): string {
  const short = (w: string): string => (w.length > 60 ? `…${w.slice(-59)}` : w);
  return [
    `### ${name}: ${fmt(s.wallMs / 1000)} s profiled, on CPU ${fmt(s.busyPct)} % of it`,
    '',
    table(
      'Top self time (share of on-CPU time)',
      s.topSelf.map((f) => ({
        function: f.function,
        where: short(f.where),
        'self ms': f.selfMs,
        'self %': f.selfPct,
      })),
    ),
    table(
      'Our functions by inclusive time',
      s.topTotal.map((f) => ({
        function: f.function,
        where: short(f.where),
        'total ms': f.totalMs,
        'total %': f.totalPct,
      })),
    ),
    table(
      'Self time per package',
      s.packages.map((p) => ({ package: p.package, 'self ms': p.selfMs, 'self %': p.selfPct })),
    ),
  ].join('\n');
}

runScenario('profile', async () => {
  const args = parseArgs();
  const duration = args.num('duration', args.quick ? 4 : 10);
  const n = args.num('n', args.quick ? 1500 : 5000);
  const concurrency = args.num('concurrency', 50);
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });

  await freshDatabase();
  const pool = benchPool();

  // (a) the api alone under create load, 100 connections.
  log(`profile: api under create load, 100 connections, ${duration} s`);
  const stack = await startStack({ apiNodeArgs: profiled('api-create') });
  const users = await seedUsers(pool, 500, 1_000_000_000, 'profile');
  let i = 0;
  const body = JSON.stringify({ prompt: 'A benchmark infographic about profiles' });
  const load = await new Promise<autocannon.Result>((resolve, reject) =>
    autocannon(
      {
        url: `http://127.0.0.1:${stack.apiPort}/api/infographs/create/`,
        method: 'POST',
        connections: 100,
        duration,
        requests: [
          {
            setupRequest: (req) => {
              req.body = body;
              req.headers = {
                'content-type': 'application/json',
                authorization: `Token ${users[i++ % users.length].token}`,
              };
              return req;
            },
          },
        ],
      },
      (error: Error | null, result) => (error ? reject(error) : resolve(result)),
    ),
  );
  log(`  ${fmt(load.requests.average)} req/s (profiled), p99 ${load.latency.p99} ms`);
  const boot = (p: Proc): number => (p.readyAt ?? p.startedAt) - p.startedAt + 200;
  const startup: Record<string, number> = { 'api-create': boot(stack.api) };
  await stopProcess(stack.api);
  await waitForFile(join(DIR, 'api-create.cpuprofile'));
  await flushPrefix(); // no worker ran: drop the submit jobs of phase (a)

  // (b) the pipeline with the api and one worker profiled.
  log(`profile: pipeline, ${n} infographs, 1 worker × concurrency ${concurrency}`);
  stack.api = await startApi(stack.env, stack.apiPort, profiled('api-pipeline'));
  await startWorkers(stack, 1, concurrency, profiled('worker-pipeline'));
  const result = await drive(pool, stack, {
    total: n,
    users: 10,
    perRequest: 4,
    concurrency: 16,
    timeoutMs: 300_000,
    tag: 'profile-pipeline',
  });
  log(`  ${result.completed}/${n} completed, ${fmt(result.completedPerSecond)}/s (profiled)`);
  startup['api-pipeline'] = boot(stack.api);
  startup['worker-pipeline'] = boot(stack.workers[0]);
  await Promise.all([stopProcess(stack.api), stopProcess(stack.workers[0])]);
  await waitForFile(join(DIR, 'api-pipeline.cpuprofile'));
  await waitForFile(join(DIR, 'worker-pipeline.cpuprofile'));

  const summaries: Record<string, ProfileSummary> = {};
  let text = `# CPU profiles (${new Date().toISOString()}; start-up left out)\n\n`;
  for (const [name, skipMs] of Object.entries(startup)) {
    summaries[name] = summariseProfile(join(DIR, `${name}.cpuprofile`), skipMs);
    text += `${render(name, summaries[name])}\n`;
  }
  process.stdout.write(`\n${text}\n`);
  const file = writeResult(
    'profile',
    {
      createLoad: { connections: 100, duration, rps: load.requests.average, p99: load.latency.p99 },
      pipeline: result,
      summaries,
      profiles: DIR,
    },
    text,
  );
  log(
    `results: ${file} (+ profile.txt; raw .cpuprofile files in ${DIR}, open them in Chrome DevTools)`,
  );
  await pool.end();
});
