// Scenario 1: POST /api/infographs/create/ and the fal webhook, product vs a bare Fastify baseline
// running the product's own statement (prepared) and queue add, at several connection counts, in
// the same run; plus the earlier baseline (create: BEGIN, three unprepared statements, COMMIT;
// webhook: one unprepared UPDATE) as a second, labelled row (`--no-old-baseline` leaves it out).
//   node bench/run.mjs http [--quick] [--duration 10] [--connections 10,100,500]
//                          [--endpoints create,webhook] [--no-old-baseline] [--profile]
// --profile runs the api and the baseline under `node --cpu-prof` and summarises where their time
// went (bench/results/http-profile.txt); the profiler slows both, so those req/s are not figures.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createHash, generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { loadavg } from 'node:os';

import { DEV_FAL_WEBHOOK_SECRET } from '@app/config';
import { webhookToken } from '@app/fal';
import type autocannon from 'autocannon';

import { load, loadCreate, startBaseline } from './lib/bare-create';
import {
  PROFILES,
  profiledNodeArgs,
  renderProfile,
  summariseProfile,
  waitForFile,
} from './lib/cpuprofile';
import {
  benchPool,
  fmt,
  freePort,
  freshDatabase,
  log,
  parseArgs,
  productEnv,
  runScenario,
  seedUsers,
  serverVersions,
  sleep,
  cpuMsOf,
  cpuMsOfCommand,
  startProcess,
  stopProcess,
  table,
  waitForHttp,
  writeResult,
} from './lib/common';

interface Cell {
  endpoint: 'create' | 'webhook';
  /** `baseline`: the product's statement, prepared; `baseline-old`: the earlier unprepared one. */
  target: 'baseline' | 'baseline-old' | 'product';
  connections: number;
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  reused?: number;
  /** CPU time per request of the server under test, and of Postgres and Redis meanwhile. */
  serverCpuUs: number;
  postgresCpuUs: number;
  redisCpuUs: number;
}

const FAL_USER = 'bench-fal-user';

/** CPU used by the server under test, Postgres and Redis while `run` loads it. */
async function measured<T extends { result: autocannon.Result }>(
  serverPid: number,
  run: () => Promise<T>,
): Promise<T & { cpu: Pick<Cell, 'serverCpuUs' | 'postgresCpuUs' | 'redisCpuUs'> }> {
  const sample = () => ({
    server: cpuMsOf(serverPid) ?? 0,
    postgres: cpuMsOfCommand('postgres'),
    redis: cpuMsOfCommand('redis-server'),
  });
  const before = sample();
  const out = await run();
  const after = sample();
  const perRequest = (ms: number): number => (1000 * ms) / Math.max(1, out.result.requests.total);
  return {
    ...out,
    cpu: {
      serverCpuUs: perRequest(after.server - before.server),
      postgresCpuUs: perRequest(after.postgres - before.postgres),
      redisCpuUs: perRequest(after.redis - before.redis),
    },
  };
}

function summarise(
  endpoint: Cell['endpoint'],
  target: Cell['target'],
  connections: number,
  r: autocannon.Result,
  cpu: Pick<Cell, 'serverCpuUs' | 'postgresCpuUs' | 'redisCpuUs'>,
): Cell {
  return {
    ...cpu,
    endpoint,
    target,
    connections,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
  };
}

/** A JWKS server for the product's verifier, with one fresh Ed25519 key. */
async function jwksServer(): Promise<{ server: Server; url: string; privateKey: KeyObject }> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'bench' };
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${port}/.well-known/jwks.json`, privateKey };
}

interface Delivery {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** Signs one OK delivery per row, fresh timestamps (fal's verifier allows 300 s of skew). */
function signDeliveries(
  rows: { id: string; fal_request_id: string }[],
  privateKey: KeyObject,
  pathOf: (id: string) => string,
): Delivery[] {
  const timestamp = String(Math.floor(Date.now() / 1000));
  return rows.map((row) => {
    const body = JSON.stringify({
      request_id: row.fal_request_id,
      gateway_request_id: row.fal_request_id,
      status: 'OK',
      payload: {
        images: [
          {
            url: `http://127.0.0.1:4010/files/${row.fal_request_id}.png`,
            content_type: 'image/png',
            file_name: `${row.fal_request_id}.png`,
            file_size: 1234,
            width: 256,
            height: 256,
          },
        ],
        seed: 1,
        has_nsfw_concepts: [false],
      },
    });
    const hash = createHash('sha256').update(body).digest('hex');
    const message = `${row.fal_request_id}\n${FAL_USER}\n${timestamp}\n${hash}`;
    return {
      path: pathOf(row.id),
      body,
      headers: {
        'content-type': 'application/json',
        'x-fal-webhook-request-id': row.fal_request_id,
        'x-fal-webhook-user-id': FAL_USER,
        'x-fal-webhook-timestamp': timestamp,
        'x-fal-webhook-signature': sign(null, Buffer.from(message), privateKey).toString('hex'),
      },
    };
  });
}

runScenario('http', async () => {
  const args = parseArgs();
  const duration = args.num('duration', args.quick ? 3 : 10);
  const levels = args.list('connections', [10, 100, 500]);
  const endpoints = (args.flags.get('endpoints') ?? 'create,webhook').split(
    ',',
  ) as Cell['endpoint'][];
  const profile = args.flags.has('profile');
  const targets: Cell['target'][] = args.flags.has('no-old-baseline')
    ? ['baseline', 'product']
    : ['baseline', 'baseline-old', 'product'];
  const warmup = args.quick ? 1 : 2;
  // Rows made in advance per webhook cell; a cell that runs out re-sends (duplicate path).
  const perCellRows = Math.ceil(args.num('webhook-rate', 4000) * duration);

  // Before anything of ours runs: other work on the machine (the end-of-run figure includes ours).
  const loadAverageAtStart = loadavg().map((l) => Math.round(l * 100) / 100);
  log(`http: ${duration} s per cell at ${levels.join(', ')} connections`);
  await freshDatabase();
  const pool = benchPool();
  const versions = await serverVersions(pool);
  const users = await seedUsers(pool, 1000, 1_000_000_000, 'http');
  const jwks = await jwksServer();

  const [apiPort, simPort] = await Promise.all([freePort(), freePort()]);
  if (profile) {
    mkdirSync(PROFILES, { recursive: true });
  }
  const api = startProcess(
    'http-api',
    'apps/api/src/main.js',
    { ...productEnv({ api: apiPort, falSim: simPort }), FAL_JWKS_URL: jwks.url },
    profile ? profiledNodeArgs('http-api') : [],
  );
  const [{ proc: baseline, port: basePort }] = await Promise.all([
    startBaseline({
      jwksUrl: jwks.url,
      nodeArgs: profile ? profiledNodeArgs('http-baseline') : [],
    }),
    waitForHttp(`http://127.0.0.1:${apiPort}/health/live`, api),
  ]);
  log(`api pid ${api.pid} on :${apiPort}, baseline pid ${baseline.pid} on :${basePort}`);

  const createRun = (target: Cell['target'], connections: number, seconds: number) =>
    target === 'product'
      ? loadCreate(
          `http://127.0.0.1:${apiPort}/api/infographs/create/`,
          users,
          (user) => ({ authorization: `Token ${user.token}` }),
          connections,
          seconds,
        )
      : loadCreate(
          `http://127.0.0.1:${basePort}/${target === 'baseline' ? 'create' : 'create-5rt'}`,
          users,
          (user) => ({ 'x-user-id': user.id }),
          connections,
          seconds,
        );

  const processingRows = async (
    count: number,
  ): Promise<{ id: string; fal_request_id: string }[]> => {
    const r = await pool.query<{ id: string; fal_request_id: string }>(
      `INSERT INTO infographs (user_id, batch_id, prompt, aspect_ratio, resolution, status,
                              credits_charged, fal_request_id, submitted_at)
       SELECT $1, gen_random_uuid(), 'bench webhook', '16:9', '1K', 'processing', 1,
              gen_random_uuid()::text, now()
         FROM generate_series(1, $2)
       RETURNING id, fal_request_id`,
      [users[0].id, count],
    );
    return r.rows;
  };

  const webhookRun = async (target: Cell['target'], connections: number, seconds: number) => {
    const rows = await processingRows(Math.ceil((perCellRows * seconds) / duration));
    const deliveries = signDeliveries(rows, jwks.privateKey, (id) =>
      // The product checks the token our worker puts in the URL it gives fal.
      target === 'product'
        ? `/api/infographs/webhook/${id}/?token=${webhookToken(DEV_FAL_WEBHOOK_SECRET, id)}`
        : `/${target === 'baseline' ? 'webhook' : 'webhook-plain'}/${id}`,
    );
    let i = 0;
    const result = await load({
      url: target === 'product' ? `http://127.0.0.1:${apiPort}` : `http://127.0.0.1:${basePort}`,
      connections,
      duration: seconds,
      method: 'POST',
      requests: [
        {
          setupRequest: (req) => {
            const d = deliveries[i++ % deliveries.length];
            req.path = d.path;
            req.headers = d.headers;
            req.body = d.body;
            return req;
          },
        },
      ],
    });
    return { result, reused: Math.max(0, i - deliveries.length) };
  };

  const cells: Cell[] = [];
  for (const endpoint of endpoints) {
    for (const target of targets) {
      log(`${endpoint}/${target}: warm-up ${warmup} s`);
      if (endpoint === 'create') {
        await createRun(target, 10, warmup);
      } else {
        await webhookRun(target, 10, warmup);
      }
    }
    for (const connections of levels) {
      for (const target of targets) {
        await sleep(500);
        const pid = target === 'product' ? api.pid : baseline.pid;
        if (endpoint === 'create') {
          const { result, cpu } = await measured(pid, async () => ({
            result: await createRun(target, connections, duration),
          }));
          cells.push(summarise(endpoint, target, connections, result, cpu));
        } else {
          const { result, reused, cpu } = await measured(pid, () =>
            webhookRun(target, connections, duration),
          );
          cells.push({ ...summarise(endpoint, target, connections, result, cpu), reused });
        }
        const c = cells[cells.length - 1];
        log(
          `${endpoint} ${target} c=${connections}: ${fmt(c.rps)} req/s p50 ${c.p50} ms p99 ${c.p99} ms` +
            (c.non2xx || c.errors ? ` non2xx=${c.non2xx} errors=${c.errors}` : ''),
        );
      }
    }
  }

  const rows = [];
  const baselineLabel = { baseline: 'prepared, 1 stmt', 'baseline-old': 'old, unprepared' };
  for (const endpoint of endpoints) {
    for (const baselineTarget of ['baseline', 'baseline-old'] as const) {
      for (const connections of levels) {
        const b = cells.find(
          (c) =>
            c.endpoint === endpoint && c.target === baselineTarget && c.connections === connections,
        );
        const p = cells.find(
          (c) => c.endpoint === endpoint && c.target === 'product' && c.connections === connections,
        );
        if (!b || !p) {
          continue;
        }
        rows.push({
          endpoint,
          baseline: baselineLabel[baselineTarget],
          conns: connections,
          'base req/s': b.rps,
          'prod req/s': p.rps,
          'ratio req/s': p.rps / b.rps,
          'base p50': b.p50,
          'prod p50': p.p50,
          'base p99': b.p99,
          'prod p99': p.p99,
          'ratio p99': p.p99 / b.p99,
          'prod non2xx': p.non2xx + p.errors,
          'base non2xx': b.non2xx + b.errors,
          'base cpu µs/req': b.serverCpuUs,
          'prod cpu µs/req': p.serverCpuUs,
          'base pg µs/req': b.postgresCpuUs,
          'prod pg µs/req': p.postgresCpuUs,
          'base redis µs/req': b.redisCpuUs,
          'prod redis µs/req': p.redisCpuUs,
        });
      }
    }
  }
  const text = table(
    `HTTP: product vs bare Fastify baseline (${duration} s per cell; latency in ms; target: req/s ratio >= 0.8 at 10 and 100, p99 ratio <= 1.5 at 10)`,
    rows,
  );
  process.stdout.write(`\n${text}\n`);
  // A profiled run's req/s are not figures: kept apart, so bench/README.md is never rendered from it.
  const file = writeResult(
    profile ? 'http-profiled' : 'http',
    {
      duration,
      quick: args.quick,
      loadAverageAtStart,
      levels,
      endpoints,
      targets,
      versions,
      cells,
      summary: rows,
    },
    text,
  );
  log(`results: ${file}`);
  if (profile) {
    await Promise.all([stopProcess(api), stopProcess(baseline)]);
    let summaries = '';
    for (const [name, proc] of [
      ['api', api],
      ['baseline', baseline],
    ] as const) {
      const profileFile = join(PROFILES, `http-${name}.cpuprofile`);
      await waitForFile(profileFile);
      const boot = (proc.readyAt ?? proc.startedAt) - proc.startedAt + 200;
      summaries += `${renderProfile(`${name} (${endpoints.join(', ')})`, summariseProfile(profileFile, boot))}\n`;
    }
    process.stdout.write(`\n${summaries}\n`);
    log(`profiles: ${writeResult('http-profile', { profiles: PROFILES }, summaries)}`);
  }
  jwks.server.close();
  await pool.end();
});
