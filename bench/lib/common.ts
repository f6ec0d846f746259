// Shared by every scenario: arguments, the bench database and Redis prefix, the product's
// processes (from dist/), CPU and RSS sampling, statistics, tables and JSON results.
import { ChildProcess, spawn } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';

import IORedis from 'ioredis';
import { Client, Pool } from 'pg';

/** The repository root: scenarios run from dist/bench/<name>.js. */
export const ROOT = resolve(__dirname, '..', '..');
export const RESULTS = join(ROOT, 'bench', 'results');
export const PG_SERVER = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
export const DB_NAME = process.env.BENCH_DB ?? 'ainfographic_bench';
export const DATABASE_URL = `${PG_SERVER}/${DB_NAME}`;
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const PREFIX = process.env.BENCH_PREFIX ?? 'ainfographic-bench';

// ---------------------------------------------------------------- arguments

export interface Args {
  quick: boolean;
  flags: Map<string, string>;
  num(name: string, fallback: number): number;
  list(name: string, fallback: number[]): number[];
}

export function parseArgs(argv = process.argv.slice(2)): Args {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      continue;
    }
    const [name, inline] = arg.slice(2).split('=', 2);
    if (inline !== undefined) {
      flags.set(name, inline);
    } else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) {
      flags.set(name, argv[++i]);
    } else {
      flags.set(name, 'true');
    }
  }
  const num = (name: string, fallback: number): number => {
    const value = flags.get(name);
    if (value === undefined) {
      return fallback;
    }
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) {
      throw new Error(`--${name} must be a positive number, got ${value}`);
    }
    return n;
  };
  const list = (name: string, fallback: number[]): number[] => {
    const value = flags.get(name);
    return value === undefined ? fallback : value.split(',').map(Number);
  };
  return { quick: flags.has('quick'), flags, num, list };
}

// ---------------------------------------------------------------- logging, tables, results

export function log(message: string): void {
  process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

export function table(title: string, rows: Record<string, string | number>[]): string {
  if (rows.length === 0) {
    return `${title}\n(no rows)\n`;
  }
  const columns = Object.keys(rows[0]);
  const cell = (v: string | number | undefined): string =>
    v === undefined ? '' : typeof v === 'number' ? fmt(v) : v;
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]): string =>
    `| ${values.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join(' | ')} |`;
  const out = [
    title,
    line(columns),
    `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...rows.map((r) => line(columns.map((c) => cell(r[c])))),
  ].join('\n');
  return `${out}\n`;
}

export function fmt(n: number): string {
  if (!Number.isFinite(n)) {
    return String(n);
  }
  if (Number.isInteger(n)) {
    return String(n);
  }
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2);
}

export function machine(): Record<string, unknown> {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    // Other work on the machine skews absolute figures (ratios measured in one run less so).
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

export function writeResult(name: string, data: Record<string, unknown>, text?: string): string {
  mkdirSync(RESULTS, { recursive: true });
  const file = join(RESULTS, `${name}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ scenario: name, at: new Date().toISOString(), machine: machine(), ...data }, null, 2)}\n`,
  );
  if (text !== undefined) {
    writeFileSync(join(RESULTS, `${name}.txt`), text);
  }
  return file;
}

// ---------------------------------------------------------------- statistics

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) {
    return NaN;
  }
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

/** Least-squares slope and intercept of y over x. */
export function regression(xs: number[], ys: number[]): { slope: number; intercept: number } {
  const n = xs.length;
  if (n < 2) {
    return { slope: NaN, intercept: NaN };
  }
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- database and Redis

/** Drops and re-creates the bench database, then applies the product's migrations (from dist). */
export async function freshDatabase(): Promise<void> {
  await dropDatabase();
  process.env.DATABASE_URL = DATABASE_URL;
  process.env.LOG_LEVEL = 'warn';
  const migrations = join(process.env.BENCH_DIST ?? join(ROOT, 'dist'), 'scripts', 'db-migrate.js');
  if (!existsSync(migrations)) {
    throw new Error(`${migrations} is missing: run \`npm run build\` first.`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { migrate } = require(migrations) as { migrate: (url: string) => Promise<string[]> };
  await migrate(DATABASE_URL);
}

export async function dropDatabase(): Promise<void> {
  const admin = new Client({ connectionString: `${PG_SERVER}/postgres` });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${DB_NAME}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

export function benchPool(max = 4): Pool {
  return new Pool({ connectionString: DATABASE_URL, max });
}

/** Deletes every key under the bench prefix (BullMQ queues, caches, the baseline's queues). */
export async function flushPrefix(prefix = PREFIX): Promise<number> {
  const redis = new IORedis(REDIS_URL, { maxRetriesPerRequest: 1 });
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) {
        deleted += await redis.unlink(...keys);
      }
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

export async function serverVersions(pool: Pool): Promise<Record<string, string>> {
  const pg = await pool.query<{ v: string }>("SELECT current_setting('server_version') AS v");
  const redis = new IORedis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    const info = await redis.info('server');
    return {
      postgres: pg.rows[0].v,
      redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
    };
  } finally {
    redis.disconnect();
  }
}

/**
 * `count` users with `credits` each (and their grant in the ledger, so the credit invariant holds)
 * and one API token each, already marked as used so authentication never writes.
 */
export async function seedUsers(
  pool: Pool,
  count: number,
  credits: number,
  tag: string,
): Promise<{ id: string; token: string }[]> {
  const { createHash, randomBytes } = await import('node:crypto');
  const tokens = Array.from(
    { length: count },
    () => `aig_${randomBytes(24).toString('base64url')}`,
  );
  const hashes = tokens.map((t) => createHash('sha256').update(t).digest('hex'));
  const users = await pool.query<{ id: string }>(
    `INSERT INTO users (email, balance)
     SELECT 'bench-' || $1 || '-' || n || '@bench.local', $2 FROM generate_series(1, $3) n
     RETURNING id`,
    [tag, credits, count],
  );
  const byN = users.rows.map((r) => r.id);
  await pool.query(
    `INSERT INTO credit_ledger (user_id, amount, reason, note)
     SELECT id, $2, 'grant', 'bench' FROM unnest($1::uuid[]) id`,
    [byN, credits],
  );
  await pool.query(
    `INSERT INTO api_tokens (user_id, token_hash, token_prefix, last_used_at)
     SELECT u, h, left(t, 12), now() FROM unnest($1::uuid[], $2::text[], $3::text[]) AS x(u, h, t)`,
    [byN, hashes, tokens],
  );
  return byN.map((id, i) => ({ id, token: tokens[i] }));
}

// ---------------------------------------------------------------- ports and processes

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error()),
      );
    });
  });
}

export interface Proc {
  name: string;
  child: ChildProcess;
  pid: number;
  logFile: string;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string | null>;
  startedAt: number;
  /** When it first answered its health check (set by waitForHttp). */
  readyAt?: number;
}

const running = new Set<Proc>();

/** Starts `dist/<entry>` with `env` on top of a clean bench environment; output goes to a log. */
export function startProcess(
  name: string,
  entry: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Proc {
  const logDir = join(RESULTS, 'logs');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${name}.log`);
  const out = createWriteStream(logFile);
  // BENCH_DIST: the product from a build somewhere else than dist/ (another commit's, to compare
  // with in the same session); the bench's own helpers always come from this checkout's build.
  const dist = entry.startsWith('bench/')
    ? join(ROOT, 'dist')
    : (process.env.BENCH_DIST ?? join(ROOT, 'dist'));
  const child = spawn(process.execPath, [...nodeArgs, join(dist, entry)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  if (child.pid === undefined) {
    throw new Error(`could not start ${name}`);
  }
  const proc: Proc = {
    name,
    child,
    pid: child.pid,
    logFile,
    exited: new Promise((r) => child.once('exit', (code, signal) => r(code ?? signal))),
    startedAt: Date.now(),
  };
  running.add(proc);
  void proc.exited.then(() => running.delete(proc));
  return proc;
}

export async function waitForHttp(url: string, proc: Proc, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) {
      throw new Error(`${proc.name} exited early:\n${tail(proc.logFile)}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (response.ok) {
        proc.readyAt ??= Date.now();
        return;
      }
    } catch {
      // not up yet
    }
    await sleep(100);
  }
  throw new Error(
    `${proc.name} did not answer ${url} within ${timeoutMs} ms:\n${tail(proc.logFile)}`,
  );
}

export function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** SIGTERM, then SIGKILL after `graceMs`. */
export async function stopProcess(proc: Proc, graceMs = 15_000): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
    return;
  }
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
  await proc.exited;
  clearTimeout(timer);
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => stopProcess(p, 5000)));
}

/** Environment shared by the product's apps in a bench run. */
export function productEnv(ports: {
  api: number;
  falSim: number;
  workerHealth?: number;
}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    API_HOST: '127.0.0.1',
    API_PORT: String(ports.api),
    PUBLIC_API_URL: `http://127.0.0.1:${ports.api}`,
    WORKER_HEALTH_PORT: String(ports.workerHealth ?? 0),
    DATABASE_URL,
    REDIS_URL,
    QUEUE_PREFIX: PREFIX,
    FAL_SIM_PORT: String(ports.falSim),
    // Production refuses fal-sim, public metrics and the development webhook secret unless told.
    UNSAFE_ALLOW_FAL_SIM_IN_PRODUCTION: 'true',
    METRICS_TOKEN: 'bench-metrics-token-0123456789',
    FAL_WEBHOOK_SECRET: 'bench-webhook-secret-0123456789abcdef',
    STORAGE_DRIVER: 'local',
    LOCAL_STORAGE_DIR: join(RESULTS, 'files'),
    // The per-user create limit would turn a load test into a test of the limiter: raise it (the
    // limiter's Redis round trip still runs on every create).
    RATE_LIMIT_CREATE_PER_MINUTE: '1000000',
    // fal-sim has no account limit here (FAL_SIM_CONCURRENCY=0): the fair queue in front of fal is
    // on, but set high, so it costs its Redis round trips without holding anything back (the
    // fairness scenario sets it to the account's limit).
    FAL_MAX_IN_FLIGHT: '10000',
    // Any other product setting, for tuning runs: BENCH_APP_DATABASE_POOL_SIZE=5 → DATABASE_POOL_SIZE.
    ...Object.fromEntries(
      Object.entries(process.env)
        .filter(([name, value]) => name.startsWith('BENCH_APP_') && value !== undefined)
        .map(([name, value]) => [name.slice('BENCH_APP_'.length), value as string]),
    ),
  };
}

export function cleanFiles(): void {
  rmSync(join(RESULTS, 'files'), { recursive: true, force: true });
}

// ---------------------------------------------------------------- cpu and memory

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/**
 * User + system CPU time a process has used so far, in ms; null once it is gone. With
 * `exitedChildren`, plus that of its children that have exited (and been waited for).
 */
export function cpuMsOf(pid: number, exitedChildren = false): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The fields after the command name (which may hold spaces), from field 3 on:
    // utime, stime, cutime, cstime are fields 14–17.
    const fields = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .slice(11, exitedChildren ? 15 : 13);
    return (fields.reduce((sum, f) => sum + Number(f), 0) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/**
 * CPU ms used so far by every process with this command name, including exited children (so
 * Postgres backends that came and went between two readings still count, in the postmaster).
 */
export function cpuMsOfCommand(command: string): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === command) {
        total += cpuMsOf(Number(entry), true) ?? 0;
      }
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** VmRSS and VmHWM (peak) of a process, in MB. */
export function memoryOf(pid: number): { rss: number; peak: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string): number =>
      Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
    return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

/** Samples RSS of some processes every `intervalMs`; keeps every sample and each peak. */
export class RssSampler {
  readonly samples: { t: number; name: string; rss: number }[] = [];
  private readonly peaks = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private readonly started = Date.now();

  constructor(
    private readonly procs: () => Proc[],
    intervalMs: number,
  ) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.sample();
  }

  sample(): void {
    const t = (Date.now() - this.started) / 1000;
    for (const p of this.procs()) {
      const m = memoryOf(p.pid);
      if (m) {
        this.samples.push({ t, name: p.name, rss: m.rss });
        this.peaks.set(p.name, Math.max(this.peaks.get(p.name) ?? 0, m.rss, m.peak));
      }
    }
  }

  stop(): Record<string, number> {
    this.sample();
    clearInterval(this.timer);
    return Object.fromEntries(this.peaks);
  }
}

// ---------------------------------------------------------------- cleanup on exit

/** Runs `main`, and whatever happens stops every process and removes the bench DB and keys. */
export function runScenario(name: string, main: () => Promise<void>): void {
  const cleanup = async (): Promise<void> => {
    await stopAll();
    if (process.env.BENCH_KEEP !== '1') {
      await dropDatabase().catch((e: Error) => log(`could not drop ${DB_NAME}: ${e.message}`));
      await flushPrefix().catch((e: Error) => log(`could not clean Redis: ${e.message}`));
      cleanFiles();
    }
  };
  let interrupted = false;
  const onSignal = (): void => {
    if (interrupted) {
      return;
    }
    interrupted = true;
    log(`${name}: interrupted, cleaning up`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  main()
    .then(cleanup)
    .then(
      () => process.exit(0),
      async (error: unknown) => {
        log(
          `${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
        await cleanup().catch(() => undefined);
        process.exit(1);
      },
    );
}
