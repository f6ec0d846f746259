// Checks that Postgres and Redis answer, creates the app's database if it is missing, and explains
// how to start whichever is not there. Used by `npm start` and the test setup.
import type { AppConfig } from '@app/config';
import IORedis from 'ioredis';
import { Client } from 'pg';

export class ServiceUnavailableError extends Error {}

const HOW_TO_START = `Start them with Debian's packages:
    sudo apt-get install -y postgresql redis-server
    sudo pg_ctlcluster $(ls /etc/postgresql) main start
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379
  or with Docker:
    docker compose up -d postgres redis`;

/** The URL with any password hidden, to say where we looked without leaking secrets. */
export function redact(url: string): string {
  const u = new URL(url);
  if (u.password) {
    u.password = '***';
  }
  return u.toString();
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}

/** Connects to the server's maintenance database and creates `database` if it does not exist. */
export async function ensureDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  const admin = new Client({
    connectionString: withDatabase(url, 'postgres'),
    connectionTimeoutMillis: 3000,
  });
  try {
    await admin.connect();
  } catch (error) {
    throw new ServiceUnavailableError(
      `PostgreSQL is not reachable at ${redact(url)} (${(error as Error).message}).\n  ${HOW_TO_START}`,
    );
  }
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) {
      await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    }
  } finally {
    await admin.end();
  }
}

export async function ensureRedis(url: string): Promise<void> {
  const redis = new IORedis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 3000,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new ServiceUnavailableError(
      `Redis is not reachable at ${redact(url)} (${(error as Error).message}).\n  ${HOW_TO_START}`,
    );
  } finally {
    redis.disconnect();
  }
}

export async function ensureServices(config: AppConfig): Promise<void> {
  const results = await Promise.allSettled([
    ensureDatabase(config.database.directUrl),
    // Behind Sentinel or a cluster REDIS_URL's host is not where Redis is: the apps' own
    // connections find it (and say so in their logs); this quick check knows one server only.
    config.redis.topology.kind === 'single' ? ensureRedis(config.redis.url) : Promise.resolve(),
  ]);
  const problems = results.flatMap((r) =>
    r.status === 'rejected' ? [(r.reason as Error).message] : [],
  );
  if (problems.length > 0) {
    throw new ServiceUnavailableError(problems.join('\n'));
  }
}
