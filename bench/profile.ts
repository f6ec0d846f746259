// Scenario 4: where the time goes. CPU profiles (`node --cpu-prof`) of (a) the api under create
// load and (b) the api, the worker and fal-sim while the pipeline runs; each summarised (top self-time
// functions, inclusive time of our own functions, time per package) into bench/results/.
//   node bench/run.mjs profile [--quick] [--duration 10] [--n 3000] [--concurrency 50]
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import autocannon from 'autocannon';

import {
  Proc,
  benchPool,
  flushPrefix,
  fmt,
  freshDatabase,
  log,
  parseArgs,
  runScenario,
  seedUsers,
  stopProcess,
  writeResult,
} from './lib/common';
import {
  PROFILES,
  ProfileSummary,
  profiledNodeArgs,
  renderProfile,
  summariseProfile,
  waitForFile,
} from './lib/cpuprofile';
import { drive, startApi, startStack, startWorkers } from './lib/pipeline-run';

runScenario('profile', async () => {
  const args = parseArgs();
  const duration = args.num('duration', args.quick ? 4 : 10);
  const n = args.num('n', args.quick ? 1500 : 5000);
  const concurrency = args.num('concurrency', 50);
  rmSync(PROFILES, { recursive: true, force: true });
  mkdirSync(PROFILES, { recursive: true });

  await freshDatabase();
  const pool = benchPool();

  // (a) the api alone under create load, 100 connections.
  log(`profile: api under create load, 100 connections, ${duration} s`);
  const stack = await startStack({
    apiNodeArgs: profiledNodeArgs('api-create'),
    falSimNodeArgs: profiledNodeArgs('fal-sim-pipeline'),
  });
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
  await waitForFile(join(PROFILES, 'api-create.cpuprofile'));
  await flushPrefix(); // no worker ran: drop the submit jobs of phase (a)

  // (b) the pipeline with the api and one worker profiled.
  log(`profile: pipeline, ${n} infographs, 1 worker × concurrency ${concurrency}`);
  stack.api = await startApi(stack.env, stack.apiPort, profiledNodeArgs('api-pipeline'));
  stack.apis = [{ port: stack.apiPort, proc: stack.api }];
  await startWorkers(stack, 1, concurrency, profiledNodeArgs('worker-pipeline'));
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
  // fal-sim ran through (a) too, idle: its start-up is all that is left out.
  startup['fal-sim-pipeline'] = boot(stack.falSim);
  await Promise.all([stopProcess(stack.api), stopProcess(stack.workers[0])]);
  await stopProcess(stack.falSim);
  for (const name of ['api-pipeline', 'worker-pipeline', 'fal-sim-pipeline']) {
    await waitForFile(join(PROFILES, `${name}.cpuprofile`));
  }

  const summaries: Record<string, ProfileSummary> = {};
  let text = `# CPU profiles (${new Date().toISOString()}; start-up left out)\n\n`;
  for (const [name, skipMs] of Object.entries(startup)) {
    summaries[name] = summariseProfile(join(PROFILES, `${name}.cpuprofile`), skipMs);
    text += `${renderProfile(name, summaries[name])}\n`;
  }
  process.stdout.write(`\n${text}\n`);
  const file = writeResult(
    'profile',
    {
      createLoad: { connections: 100, duration, rps: load.requests.average, p99: load.latency.p99 },
      pipeline: result,
      summaries,
      profiles: PROFILES,
    },
    text,
  );
  log(
    `results: ${file} (+ profile.txt; raw .cpuprofile files in ${PROFILES}, open them in Chrome DevTools)`,
  );
  await pool.end();
});
