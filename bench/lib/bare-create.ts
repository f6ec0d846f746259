// The bare create route as a yardstick: the baseline server (baseline-server.ts: plain Fastify,
// pg and BullMQ running the product's own create statement) loaded on /create. A figure divided by
// this one, measured in the same run on the same machine, is a ratio that carries across machines;
// the absolute figures do not.
import autocannon from 'autocannon';
import type { Pool } from 'pg';

import {
  DATABASE_URL,
  PREFIX,
  Proc,
  REDIS_URL,
  freePort,
  seedUsers,
  startProcess,
  stopProcess,
  waitForHttp,
} from './common';

const CREATE_BODY = JSON.stringify({ prompt: 'A benchmark infographic about throughput' });

export interface Baseline {
  proc: Proc;
  port: number;
}

/** The baseline server on a free port; `jwksUrl` only for its webhook routes. */
export async function startBaseline(
  options: { jwksUrl?: string; nodeArgs?: string[] } = {},
): Promise<Baseline> {
  const port = await freePort();
  const proc = startProcess(
    'baseline',
    'bench/lib/baseline-server.js',
    {
      PORT: String(port),
      DATABASE_URL,
      REDIS_URL,
      PREFIX: `${PREFIX}-baseline`,
      POOL_SIZE: '20',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      ...(options.jwksUrl ? { JWKS_URL: options.jwksUrl } : {}),
    },
    options.nodeArgs,
  );
  await waitForHttp(`http://127.0.0.1:${port}/health`, proc);
  return { proc, port };
}

export function load(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(options, (error: Error | null, result) => (error ? reject(error) : resolve(result)));
  });
}

/** Creates against `url` for `seconds`, each request as the next user by `headersFor`. */
export function loadCreate<U>(
  url: string,
  users: U[],
  headersFor: (user: U) => Record<string, string>,
  connections: number,
  seconds: number,
): Promise<autocannon.Result> {
  let i = 0;
  return load({
    url,
    connections,
    duration: seconds,
    method: 'POST',
    requests: [
      {
        setupRequest: (req) => {
          req.body = CREATE_BODY;
          req.headers = {
            'content-type': 'application/json',
            ...headersFor(users[i++ % users.length]),
          };
          return req;
        },
      },
    ],
  });
}

/**
 * The bare create route's req/s at `connections`, after a 1 s warm-up, with a baseline started for
 * it and stopped after. Its `pending` rows are deleted afterwards: a worker's reconciler would
 * otherwise take them for lost jobs and run them through the pipeline being measured.
 */
export async function bareCreateRate(
  pool: Pool,
  options: { connections: number; seconds: number; tag: string },
): Promise<number> {
  const users = await seedUsers(pool, 1000, 1_000_000_000, options.tag);
  const baseline = await startBaseline();
  try {
    const url = `http://127.0.0.1:${baseline.port}/create`;
    const headersFor = (user: { id: string }) => ({ 'x-user-id': user.id });
    await loadCreate(url, users, headersFor, options.connections, 1);
    const result = await loadCreate(url, users, headersFor, options.connections, options.seconds);
    if (result.non2xx || result.errors) {
      throw new Error(`bare create: ${result.non2xx} non-2xx, ${result.errors} errors`);
    }
    return result.requests.average;
  } finally {
    await stopProcess(baseline.proc);
    await pool.query(`DELETE FROM infographs WHERE user_id = ANY($1)`, [users.map((u) => u.id)]);
  }
}
