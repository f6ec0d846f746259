// The chaos run: api, workers and fal-sim as real processes (compiled, from dist/), on ephemeral
// ports, with their own database, their own redis-server and their own storage folder. Many users
// create infographs concurrently while fal-sim injects faults, a worker is killed with SIGKILL and
// replaced, Redis is crashed (losing every key) and restarted, and Postgres connections are cut.
// Users also cancel and delete a share of their infographs at seeded random moments (lifecycle.ts).
// Then, within a bounded wait, it proves: every infograph is completed or failed, every completed
// one is in storage and nothing else is, the ledger holds (deleted rows included), nobody paid for
// a failed infograph or was refunded twice, and each cancel and delete did what it answered.
// Everything it starts it stops; every wait is bounded.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';

import { checkLedger, LedgerProblem } from '@app/credits';
import { ENTITIES } from '@app/database';
import IORedis from 'ioredis';
import { Client } from 'pg';
import { DataSource } from 'typeorm';

/* eslint-disable-next-line no-restricted-imports -- MIGRATIONS is not exported by @app/database */
import { MIGRATIONS } from '../../libs/database/src/migrations';
import { databaseName, ensureDatabase, withDatabase } from '../../scripts/ensure-services';
import { freePort } from '../support/free-port';
import { ManagedProcess, startDistNode } from '../support/managed-process';
import { ROOT } from '../support/processes';
import { PrivateRedis } from '../support/redis-server';
import {
  classifyStoredFile,
  DeletedRow,
  FinalRow,
  judgeLifecycle,
  LifecycleAction,
  lifecycleActionFor,
  LifecycleOutcome,
  LifecycleReport,
  storageAgainstRows,
} from './lifecycle';
import { sendLifecycleAction, statusCodeOf } from './lifecycle-client';
import { prng } from './prng';
import {
  ChaosWebhookReceiver,
  judgeWebhooks,
  type ReceivedDelivery,
  tcpPortsOf,
  type WebhookChaosReport,
} from './webhook-receiver';

export interface ChaosProfile {
  name: string;
  users: number;
  /** Create requests (each asks for 1–4 images). */
  creates: number;
  concurrency: number;
  /** Creates are spread over this window; the faults happen inside it. */
  createWindowMs: number;
  /** Bounded wait for every infograph to reach a terminal state after the last create. */
  drainTimeoutMs: number;
  workers: number;
}

export const PROFILES: Record<'short' | 'full', ChaosProfile> = {
  short: {
    name: 'short',
    users: 24,
    creates: 300,
    concurrency: 12,
    createWindowMs: 40_000,
    drainTimeoutMs: 110_000,
    workers: 2,
  },
  full: {
    name: 'full',
    users: 200,
    creates: 2500,
    concurrency: 32,
    createWindowMs: 180_000,
    drainTimeoutMs: 240_000,
    workers: 2,
  },
};

export const FAULTS = {
  FAL_SIM_SUBMIT_500_RATE: '0.2',
  FAL_SIM_WEBHOOK_DUP_RATE: '0.1',
  FAL_SIM_WEBHOOK_LOST_RATE: '0.1',
  FAL_SIM_WEBHOOK_OUT_OF_ORDER_RATE: '0.05',
  FAL_SIM_FAIL_RATE: '0.05',
  // A cancel of a running request is only a request: half the time fal finishes it anyway.
  FAL_SIM_CANCEL_IGNORED_RATE: '0.5',
};

/** Submit attempts per infograph (JOB_ATTEMPTS for the apps). */
export const JOB_ATTEMPTS = 5;

/**
 * Every 50th create (offset 23) carries this fal-sim marker: every submit of its prompt answers
 * 500, so the worker exhausts its attempts and must fail and refund those infographs, once.
 */
export const SUBMIT_ALWAYS_FAILS = '[sim:submit-500]';
const submitAlwaysFails = (index: number) => index % 50 === 23;

/**
 * The share of the other infographs that must complete: all but fal's own failures and those whose
 * every submit drew a 500, less a generous margin (the draws are random; the Redis crash and the
 * killed worker may add a few re-submits, each a fresh draw).
 */
export const MIN_COMPLETED_SHARE =
  (1 - Number(FAULTS.FAL_SIM_FAIL_RATE)) *
    (1 - Number(FAULTS.FAL_SIM_SUBMIT_500_RATE) ** JOB_ATTEMPTS) -
  0.05;

export interface ChaosReport {
  profile: string;
  ok: boolean;
  failures: string[];
  durationMs: number;
  users: number;
  createRequests: {
    planned: number;
    acknowledged: number;
    retried: number;
    gaveUp: number;
    statusCounts: Record<string, number>;
    /** The answer that ended each create request (after retries of 429, 5xx and network errors). */
    finalStatusCounts: Record<string, number>;
    /** Final 4xx answers other than the expected 402s: none is provoked, so each is a defect. */
    unexpectedClientErrors: number;
    insufficientCreditsExpected: number;
  };
  created: number;
  completed: number;
  failed: number;
  nonTerminal: number;
  refunded: number;
  refundedTwice: number;
  chargedForFailed: number;
  balanceMismatches: number;
  unacknowledgedInfographs: number;
  missingObjects: number;
  /** Stored objects (or sidecars) no completed, existing infograph owns. */
  orphanObjects: string[];
  /** Dot-named temporary files of a killed write: no key names them (reported, not objects). */
  temporaryFiles: number;
  /** How long after the drain storage took to match the database (uploads finishing a discard). */
  storageSettledMs: number;
  duplicatesSeen: number;
  webhookOutcomes: Record<string, number>;
  /** Lost webhooks of requests fal completed must all end completed, through the reconciler. */
  lostWebhooks: {
    total: number;
    completedAtFal: number;
    recoveredByReconcile: number;
    failed: number;
  };
  /** Infographs not marked to fail every submit, and how many of them completed. */
  completion: { eligible: number; completed: number; share: number; minShare: number };
  /** Infographs whose every submit fails (SUBMIT_ALWAYS_FAILS): each must end failed, refunded once. */
  submitAlwaysFails: {
    infographs: number;
    failed: number;
    refundedOnceInFull: number;
    acceptedSubmits: number;
    rejectedSubmits: number;
    failureReasons: Record<string, number>;
  };
  /** Evidence that each injected fault actually happened. */
  faults: {
    workerKilledBy: string | null;
    redisRestarts: number;
    postgresConnectionsCut: number[];
    /** Random submit 500s (prompts without a marker). */
    submitErrors: number;
    duplicateDeliveries: number;
    lostWebhooks: number;
    outOfOrder: number;
    failedGenerations: number;
  };
  outOfOrder: { total: number; completed: number; failedByStaleError: number };
  falSim: {
    requests: number;
    failedGenerations: number;
    submitOutcomesSample: Record<string, number>;
  };
  failureReasons: Record<string, number>;
  /** The users' cancels and deletes: what they answered, and what came of them. */
  lifecycle: LifecycleReport & {
    /** Requests fal finished although asked to cancel them (FAL_SIM_CANCEL_IGNORED_RATE). */
    falFinishedAnyway: number;
    problems: string[];
  };
  maxTimeToTerminalMs: number;
  p95TimeToTerminalMs: number;
  events: { atMs: number; event: string }[];
  crashedProcesses: string[];
  ledgerProblems: LedgerProblem[];
  /** Every user's webhook endpoint: all delivered, signed, the killed worker's cut ones again. */
  customerWebhooks: WebhookChaosReport;
  /** fal slot leases still held once every infograph finished: each a slot leaked. */
  falSlotsHeld: number;
  reportPath: string;
}

interface PlannedCreate {
  index: number;
  user: number;
  body: Record<string, unknown>;
  cost: number;
  key: string;
  submitAlwaysFails: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const count = <T>(items: T[], key: (item: T) => string): Record<string, number> =>
  items.reduce<Record<string, number>>((acc, item) => {
    const k = key(item);
    acc[k] = (acc[k] ?? 0) + 1;
    return acc;
  }, {});

function planCreates(profile: ChaosProfile, run: string): PlannedCreate[] {
  const random = prng(8);
  const pick = <T>(weighted: [T, number][]): T => {
    let r = random();
    for (const [value, weight] of weighted) {
      if ((r -= weight) < 0) {
        return value;
      }
    }
    return weighted[weighted.length - 1][0];
  };
  const topics = ['solar power', 'coffee trade', 'rail freight', 'ocean plastic', 'AI chips'];
  return Array.from({ length: profile.creates }, (_, index) => {
    const n = pick([
      [1, 0.7],
      [2, 0.15],
      [3, 0.1],
      [4, 0.05],
    ]);
    const resolution = pick([
      ['1K', 0.8],
      ['2K', 0.1],
      ['4K', 0.1],
    ]);
    const marker = submitAlwaysFails(index) ? ` ${SUBMIT_ALWAYS_FAILS}` : '';
    const body = {
      prompt: `Chaos ${run} #${index}: ${topics[index % topics.length]} in numbers${marker}`,
      aspect_ratio: pick([
        ['16/9', 0.5],
        ['1:1', 0.3],
        ['9:16', 0.2],
      ]),
      resolution,
      number_of_infographs: n,
    };
    return {
      index,
      user: Math.floor(random() * profile.users),
      body,
      cost: n * (resolution === '4K' ? 2 : 1),
      key: `chaos-${run}-${index}`,
      submitAlwaysFails: submitAlwaysFails(index),
    };
  });
}

/**
 * The harness's own record of every deleted infograph, in its private database: the row as it
 * was and the refunds it had when it went (a delete sets their `infograph_id` to null), so the
 * ledger of rows that are gone can still be checked. The apps know nothing of it.
 */
const DELETE_AUDIT_SQL = `
  CREATE TABLE chaos_deleted_infographs (
    id uuid NOT NULL, user_id uuid NOT NULL, status text NOT NULL, error_code text,
    credits_charged integer NOT NULL, content_type text, fal_request_id text,
    refund_ids uuid[] NOT NULL, refunded integer NOT NULL);
  CREATE FUNCTION chaos_record_delete() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO chaos_deleted_infographs
    SELECT OLD.id, OLD.user_id, OLD.status::text, OLD.error_code, OLD.credits_charged,
           OLD.content_type, OLD.fal_request_id, COALESCE(array_agg(l.id), '{}'),
           COALESCE(sum(l.amount), 0)
      FROM credit_ledger l WHERE l.infograph_id = OLD.id AND l.reason = 'refund';
    RETURN OLD;
  END $$;
  CREATE TRIGGER chaos_record_delete BEFORE DELETE ON infographs
    FOR EACH ROW EXECUTE FUNCTION chaos_record_delete();`;

/** Every file under the local storage driver's folder, as `/`-separated relative paths. */
async function storedFiles(root: string): Promise<string[]> {
  const paths = await readdir(root, { recursive: true });
  const files: string[] = [];
  for (const path of paths) {
    // A file may go (a discard, a delete) between the listing and this look.
    if (
      await lstat(join(root, path)).then(
        (s) => s.isFile(),
        () => false,
      )
    ) {
      files.push(path.split(sep).join('/'));
    }
  }
  return files;
}

async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await probe()) {
        return;
      }
    } catch {
      // not yet
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await sleep(intervalMs);
  }
}

async function httpOk(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await response.arrayBuffer();
  return response.ok;
}

/** Runs the chaos scenario for a profile and returns (and writes) its report. */
export async function runChaos(
  profile: ChaosProfile,
  options: { reportPath?: string; log?: (line: string) => void } = {},
): Promise<ChaosReport> {
  const log = options.log ?? ((line: string) => process.stdout.write(`[chaos] ${line}\n`));
  const started = Date.now();
  const run = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const artifacts = join(ROOT, 'test-artifacts', 'chaos', `${profile.name}-${run}`);
  const reportPath =
    options.reportPath ??
    process.env.CHAOS_REPORT ??
    join(ROOT, 'test-artifacts', 'chaos', `report-${profile.name}.json`);
  const baseDb = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/ainfographic';
  const databaseUrl = withDatabase(baseDb, `ainfographic_chaos_${run}`);
  const prefix = `ainfographic-chaos-${run}`;
  const events: { atMs: number; event: string }[] = [];
  const note = (event: string) => {
    events.push({ atMs: Date.now() - started, event });
    log(event);
  };

  // CHAOS_APP_ROOT runs another checkout's build (e.g. one with a proposed patch applied).
  const appRoot = process.env.CHAOS_APP_ROOT ?? ROOT;
  if (!existsSync(join(appRoot, 'dist/apps/api/src/main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first');
  }
  PrivateRedis.assertAvailable(); // before anything is created
  const storageDir = await mkdtemp(join(tmpdir(), 'ainfographic-chaos-files-'));
  const processes: ManagedProcess[] = [];
  let redis: PrivateRedis | undefined;
  let db: Client | undefined;
  // Holds each delivery 1 s, so the worker killed mid-run has some in flight.
  const receiver = new ChaosWebhookReceiver(1000);

  try {
    // --- stores ---
    await ensureDatabase(databaseUrl);
    const migrator = new DataSource({
      type: 'postgres',
      url: databaseUrl,
      entities: ENTITIES,
      migrations: MIGRATIONS,
    });
    await migrator.initialize();
    await migrator.runMigrations();
    await migrator.query(DELETE_AUDIT_SQL);
    await migrator.destroy();
    redis = await PrivateRedis.start({ logFile: join(artifacts, 'redis.log') });
    db = new Client({ connectionString: databaseUrl, application_name: 'chaos-harness' });
    await db.connect();
    note(
      `database ${databaseName(databaseUrl)}, redis-server on ${redis.port}, apps from ${appRoot}`,
    );

    // --- processes ---
    const [apiPort, simPort] = [await freePort(), await freePort()];
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const simUrl = `http://127.0.0.1:${simPort}`;
    const cwd = await mkdtemp(join(tmpdir(), 'ainfographic-chaos-cwd-')); // no developer .env
    const common: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? 'warn',
      DATABASE_URL: databaseUrl,
      DATABASE_POOL_SIZE: '10',
      REDIS_URL: redis.url,
      QUEUE_PREFIX: prefix,
      API_PORT: String(apiPort),
      PUBLIC_API_URL: apiUrl,
      FAL_SIM_PORT: String(simPort),
      LOCAL_STORAGE_DIR: storageDir,
      JOB_BACKOFF_MS: '100',
      JOB_ATTEMPTS: String(JOB_ATTEMPTS),
      RECONCILE_INTERVAL_MS: '1000',
      RECONCILE_PENDING_AFTER_MS: '3000',
      RECONCILE_PROCESSING_AFTER_MS: '3000',
      SHUTDOWN_GRACE_MS: '3000',
      // 20 % submit errors can trip the fal circuit breaker (5 in a row), and at the end of a run
      // the always-failing prompts may be the only traffic, spending their attempts as probes:
      // short cooldowns keep that to seconds, as the other timings here are.
      FAL_BREAKER_COOLDOWN_MS: '300',
      FAL_BREAKER_MAX_COOLDOWN_MS: '1000',
      // The fal slot limiter on, through the kill and the Redis crash (its leases are lost with
      // Redis' keys), but wide: the run's timings and races assume requests rarely wait for one.
      FAL_MAX_IN_FLIGHT: '40',
      // Customers' endpoints on loopback, retried fast, answered within the timeout when alive.
      WEBHOOK_ALLOW_INSECURE_URLS: 'true',
      WEBHOOK_RETRY_BASE_MS: '200',
      WEBHOOK_TIMEOUT_MS: '5000',
      // The e-mail's wait, short: a notify job lost with Redis is re-rung once it is over.
      NOTIFY_EMAIL_DELAY_MS: '1000',
    };
    const sim = startDistNode(
      'fal-sim',
      join(appRoot, 'dist/apps/fal-sim/src/main.js'),
      {
        ...common,
        FAL_SIM_HOST: '127.0.0.1',
        FAL_SIM_LATENCY_MS: '300',
        FAL_SIM_JITTER_MS: '300',
        // No account limit: the run's timings assume every request starts at once.
        FAL_SIM_CONCURRENCY: '0',
        FAL_SIM_SEED: `chaos-${profile.name}`,
        FAL_SIM_WEBHOOK_RETRY_BASE_MS: '100',
        FAL_SIM_WEBHOOK_RETRY_MAX_MS: '2000',
        FAL_SIM_MAX_LONG_SIDE: '128',
        FAL_SIM_MAX_REQUESTS: '1000000',
        FAL_SIM_LOG_LEVEL: 'warn',
        ...FAULTS,
      },
      { cwd, logFile: join(artifacts, 'fal-sim.log') },
    );
    processes.push(sim);
    const api = startDistNode('api', join(appRoot, 'dist/apps/api/src/main.js'), common, {
      cwd,
      logFile: join(artifacts, 'api.log'),
    });
    processes.push(api);
    let workerSerial = 0;
    const startWorker = async (): Promise<ManagedProcess> => {
      workerSerial += 1;
      const port = await freePort();
      const worker = startDistNode(
        `worker-${workerSerial}`,
        join(appRoot, 'dist/apps/worker/src/main.js'),
        { ...common, WORKER_HEALTH_PORT: String(port) },
        { cwd, logFile: join(artifacts, `worker-${workerSerial}.log`) },
      );
      processes.push(worker);
      await waitUntil(
        `${worker.name} ready`,
        async () => {
          if (!worker.running) {
            throw new Error(`${worker.name} exited:\n${worker.tail()}`);
          }
          return httpOk(`http://127.0.0.1:${port}/health/ready`);
        },
        20_000,
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n${worker.tail()}`);
      });
      return worker;
    };
    await waitUntil('fal-sim', () => httpOk(`${simUrl}/_sim/health`), 20_000);
    await waitUntil('api ready', () => httpOk(`${apiUrl}/health/ready`), 30_000).catch(
      (error: Error) => {
        throw new Error(`${error.message}\n${api.tail()}`);
      },
    );
    const workers: ManagedProcess[] = [];
    for (let i = 0; i < profile.workers; i += 1) {
      workers.push(await startWorker());
    }
    note(`api ${apiUrl}, fal-sim ${simUrl}, ${workers.length} workers up`);

    // --- users: exactly the credits their planned creates cost (plus one broke user) ---
    const plan = planCreates(profile, run);
    const brokeUser = profile.users; // gets no credits: every create of theirs must be a 402
    for (const [i, p] of plan.entries()) {
      if (i % 50 === 7) {
        p.user = brokeUser;
      }
    }
    const tokens: string[] = [];
    const userIds: string[] = [];
    const granted: number[] = [];
    for (let u = 0; u <= profile.users; u += 1) {
      const credits =
        u === brokeUser ? 0 : plan.filter((p) => p.user === u).reduce((s, p) => s + p.cost, 0);
      const token = `aig_${randomBytes(32).toString('base64url')}`;
      const { rows } = await db.query<{ id: string }>(
        `INSERT INTO users (email, balance) VALUES ($1, $2) RETURNING id`,
        [`chaos-${run}-${u}@chaos.local`, credits],
      );
      const id = rows[0].id;
      if (credits > 0) {
        await db.query(
          `INSERT INTO credit_ledger (user_id, amount, reason, note) VALUES ($1, $2, 'grant', 'chaos')`,
          [id, credits],
        );
      }
      await db.query(
        `INSERT INTO api_tokens (user_id, token_hash, token_prefix) VALUES ($1, $2, $3)`,
        [id, createHash('sha256').update(token).digest('hex'), token.slice(0, 12)],
      );
      tokens.push(token);
      userIds.push(id);
      granted.push(credits);
    }
    const expected402 = plan.filter((p) => p.user === brokeUser).length;
    const receiverUrl = await receiver.start();
    for (const [u, token] of tokens.entries()) {
      const res = await fetch(`${apiUrl}/api/webhook-endpoints/`, {
        method: 'POST',
        headers: { authorization: `Token ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          url: `${receiverUrl}/hooks/${u}`,
          event_types: ['infograph.completed', 'infograph.failed'],
        }),
      });
      if (res.status !== 201) {
        throw new Error(`registering user ${u}'s webhook endpoint: ${res.status}`);
      }
      receiver.secrets.set(u, ((await res.json()) as { secret: string }).secret);
    }
    note(`${profile.users} users (+1 without credits), ${plan.length} create requests planned`);

    // --- load, with chaos events inside the window ---
    const statusCounts: Record<string, number> = {};
    const finalStatusCounts: Record<string, number> = {};
    const acknowledged = new Map<
      string,
      { user: number; at: number; submitAlwaysFails: boolean }
    >();
    let retried = 0;
    let gaveUp = 0;
    // The users' cancels and deletes, each sent its planned delay after the create's answer.
    const lifecycleOf = new Map<string, LifecycleAction>();
    const lifecycleSent: Promise<LifecycleOutcome>[] = [];
    const loadStart = Date.now();
    const createOne = async (p: PlannedCreate): Promise<void> => {
      const notBefore = loadStart + (p.index * profile.createWindowMs) / plan.length;
      await sleep(Math.max(0, notBefore - Date.now()));
      for (let attempt = 1; attempt <= 12; attempt += 1) {
        let status: string;
        try {
          const response = await fetch(`${apiUrl}/api/infographs/create/`, {
            method: 'POST',
            headers: {
              authorization: `Token ${tokens[p.user]}`,
              'content-type': 'application/json',
              'idempotency-key': p.key,
            },
            body: JSON.stringify(p.body),
            signal: AbortSignal.timeout(10_000),
          });
          status = String(response.status);
          const body = (await response.json().catch(() => null)) as {
            infographs?: { id: string }[];
          } | null;
          statusCounts[status] = (statusCounts[status] ?? 0) + 1;
          if (response.status === 201) {
            for (const [position, i] of (body?.infographs ?? []).entries()) {
              acknowledged.set(i.id, {
                user: p.user,
                at: Date.now(),
                submitAlwaysFails: p.submitAlwaysFails,
              });
              // Not the ones whose every submit fails: their own check counts every attempt.
              const action = p.submitAlwaysFails ? null : lifecycleActionFor(p.index, position);
              if (action) {
                lifecycleOf.set(i.id, action);
                lifecycleSent.push(
                  sleep(action.delayMs).then(() =>
                    sendLifecycleAction(apiUrl, tokens[p.user], i.id, action),
                  ),
                );
              }
            }
            finalStatusCounts[status] = (finalStatusCounts[status] ?? 0) + 1;
            return;
          }
          if (response.status < 500 && response.status !== 429) {
            // A client error is final: 402 for the broke user; any other one is counted and checked.
            finalStatusCounts[status] = (finalStatusCounts[status] ?? 0) + 1;
            return;
          }
        } catch (error) {
          status = `network:${(error as Error).name}`;
          statusCounts[status] = (statusCounts[status] ?? 0) + 1;
        }
        retried += 1;
        await sleep(Math.min(250 * attempt, 2000));
      }
      gaveUp += 1;
    };
    const queue = [...plan];
    const load = Promise.all(
      Array.from({ length: profile.concurrency }, async () => {
        for (let p = queue.shift(); p; p = queue.shift()) {
          await createOne(p);
        }
      }),
    );

    const at = (fraction: number) => loadStart + fraction * profile.createWindowMs;
    let workerKilledBy: string | null = null;
    let killedInFlight: ReceivedDelivery[] = [];
    const postgresConnectionsCut: number[] = [];
    const chaos = (async () => {
      await sleep(at(0.2) - Date.now());
      const victim = workers[0];
      // Mid-delivery: wait (bounded) until the victim has customer webhooks in flight.
      const waitUntilMs = Date.now() + 15_000;
      while (killedInFlight.length === 0 && Date.now() < waitUntilMs) {
        killedInFlight = receiver.inFlightFrom(await tcpPortsOf(victim.pid ?? 0));
        await sleep(killedInFlight.length === 0 ? 50 : 0);
      }
      note(
        `kill -9 ${victim.name} (pid ${victim.pid}) with ${killedInFlight.length} customer webhooks in flight`,
      );
      await victim.kill9();
      killedInFlight = killedInFlight.filter((d) => !d.answered);
      workerKilledBy = (await victim.exited).signal;
      await sleep(500);
      const replacement = await startWorker();
      workers.push(replacement);
      note(`started ${replacement.name}`);

      await sleep(at(0.45) - Date.now());
      note('crash Redis (SIGKILL, no persistence: every queue, job and scheduler is lost)');
      await redis.restart(1500);
      note('Redis is back (empty)');

      for (const fraction of [0.65, 0.85]) {
        await sleep(at(fraction) - Date.now());
        const { rows } = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM (
             SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE datname = $1 AND pid <> pg_backend_pid()) t`,
          [databaseName(databaseUrl)],
        );
        postgresConnectionsCut.push(rows[0].n);
        note(`cut ${rows[0].n} Postgres connections of the app`);
      }
    })();
    await Promise.all([load, chaos]);
    const lifecycleOutcomes = await Promise.all(lifecycleSent);
    note(
      `load done: ${acknowledged.size} infographs acknowledged, statuses ${JSON.stringify(statusCounts)}; ${lifecycleOutcomes.length} cancels and deletes answered ${JSON.stringify(count(lifecycleOutcomes, (o) => `${o.kind}:${o.status}`))}`,
    );

    // --- bounded wait for terminal states ---
    const drainStart = Date.now();
    let lastLog = 0;
    let open = -1;
    while (Date.now() - drainStart < profile.drainTimeoutMs) {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM infographs WHERE status IN ('pending', 'processing')`,
      );
      open = rows[0].n;
      if (open === 0) {
        break;
      }
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        log(`waiting: ${open} infographs not terminal yet`);
      }
      await sleep(500);
    }
    note(`drain ended after ${Date.now() - drainStart} ms with ${open} not terminal`);

    // Deleted ones must be gone for their owner too.
    for (const o of lifecycleOutcomes.filter((x) => x.kind === 'delete')) {
      const owner = tokens[acknowledged.get(o.id)?.user ?? 0];
      o.statusAfterwards = await statusCodeOf(apiUrl, owner, o.id);
    }

    // Storage against the database, for a bounded while: an upload that was copying the image of
    // an infograph cancelled or deleted meanwhile removes its copy when it finds out.
    const settleStart = Date.now();
    let storage: ReturnType<typeof storageAgainstRows>;
    for (;;) {
      const rows = (
        await db.query<FinalRow>(
          `SELECT id, user_id, status, error_code, credits_charged, content_type FROM infographs`,
        )
      ).rows;
      storage = storageAgainstRows((await storedFiles(storageDir)).map(classifyStoredFile), rows);
      if (
        (storage.orphans.length === 0 && storage.missing.length === 0) ||
        Date.now() - settleStart > 20_000
      ) {
        break;
      }
      await sleep(500);
    }
    const storageSettledMs = Date.now() - settleStart;
    note(
      `storage checked after ${storageSettledMs} ms: ${storage.orphans.length} orphaned, ${storage.missing.length} missing, ${storage.temporary} temporary files`,
    );

    // Every fal slot given back (a lease the killed worker held lapses; the Redis crash took
    // the rest), bounded.
    const slots = new IORedis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    let falSlotsHeld = -1;
    try {
      const slotsStart = Date.now();
      do {
        falSlotsHeld = await slots.zcard(`${prefix}:fal-slots:leases`);
        if (falSlotsHeld === 0) {
          break;
        }
        await sleep(500);
      } while (Date.now() - slotsStart < 20_000);
    } finally {
      slots.disconnect();
    }
    note(`fal slots still held after the run: ${falSlotsHeld}`);

    // Every owner told (a notify job lost with Redis is re-rung by the reconciler), and every
    // customer webhook message delivered (retries, and the reconciler for lost jobs), bounded.
    const webhooksStart = Date.now();
    let messages: { id: string; status: string }[] = [];
    let untold = -1;
    do {
      untold = (
        await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM infographs
            WHERE status IN ('completed', 'failed') AND notified_at IS NULL`,
        )
      ).rows[0].n;
      messages = (
        await db.query<{ id: string; status: string }>(`SELECT id, status FROM webhook_messages`)
      ).rows;
      if (untold === 0 && messages.every((m) => m.status !== 'pending')) {
        break;
      }
      await sleep(500);
    } while (Date.now() - webhooksStart < 30_000);
    note(
      `owners told and customer webhooks settled after ${Date.now() - webhooksStart} ms: ${untold} not told, messages ${JSON.stringify(count(messages, (m) => m.status))}`,
    );

    // --- checks ---
    const infographs = (
      await db.query<{
        id: string;
        user_id: string;
        status: string;
        error_code: string | null;
        credits_charged: number;
        content_type: string | null;
        fal_request_id: string | null;
        image_url: string | null;
        error_message: string | null;
        ms: number;
      }>(
        `SELECT id, user_id, status, error_code, credits_charged, content_type, fal_request_id,
                image_url, error_message,
                EXTRACT(EPOCH FROM (COALESCE(completed_at, updated_at) - created_at)) * 1000 AS ms
           FROM infographs`,
      )
    ).rows;
    const deleted = (
      await db.query<DeletedRow>(
        `SELECT id, user_id, status, error_code, credits_charged, content_type, fal_request_id,
                cardinality(refund_ids) AS refunds, refunded
           FROM chaos_deleted_infographs`,
      )
    ).rows;
    const deletedIds = new Set(deleted.map((d) => d.id));
    // Refunds whose infograph is gone, but no delete recorded them: refunded after the delete?
    const strayRefunds = (
      await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM credit_ledger l
          WHERE l.reason = 'refund' AND l.infograph_id IS NULL
            AND NOT EXISTS (SELECT 1 FROM chaos_deleted_infographs d WHERE l.id = ANY(d.refund_ids))`,
      )
    ).rows[0].n;
    const byStatus = count(infographs, (i) => i.status);
    const failures: string[] = [];
    const webhooks = judgeWebhooks({
      receiver,
      messages,
      killedInFlight,
      terminal: infographs
        .filter((i) => i.status === 'completed' || i.status === 'failed')
        .map((i) => ({
          id: i.id,
          user: acknowledged.get(i.id)?.user ?? -1,
          type: `infograph.${i.status}`,
        })),
    });
    failures.push(...webhooks.problems);
    if (falSlotsHeld !== 0) {
      failures.push(`${falSlotsHeld} fal slots still held with every infograph finished`);
    }

    const nonTerminal = infographs.filter((i) => i.status !== 'completed' && i.status !== 'failed');
    if (nonTerminal.length > 0) {
      failures.push(
        `${nonTerminal.length} infographs not terminal after the wait: ${JSON.stringify(
          count(nonTerminal, (i) => `${i.status}${i.fal_request_id ? '+request' : ''}`),
        )}`,
      );
    }

    let missingObjects = 0;
    for (const i of infographs.filter((x) => x.status === 'completed')) {
      const file = join(storageDir, 'infographs', i.user_id, `${i.id}.png`);
      const ok =
        i.image_url?.endsWith(`/files/infographs/${i.user_id}/${i.id}.png`) &&
        (await stat(file).then(
          (s) => s.size > 8,
          () => false,
        )) &&
        (await readFile(file)).subarray(1, 4).toString() === 'PNG';
      if (!ok) {
        missingObjects += 1;
      }
    }
    if (missingObjects > 0) {
      failures.push(`${missingObjects} completed infographs have no object in storage`);
    }
    if (storage.orphans.length > 0 || storage.missing.length > 0) {
      failures.push(
        `storage does not match the completed infographs: ${storage.orphans.length} orphaned (${storage.orphans.slice(0, 5).join('; ')}), ${storage.missing.length} missing`,
      );
    }

    // The users' cancels and deletes: each did what it answered, and left the ledger right.
    const lifecycle = judgeLifecycle({
      outcomes: lifecycleOutcomes,
      live: infographs,
      deleted,
      strayRefunds,
    });
    failures.push(...lifecycle.problems.slice(0, 20));
    if (lifecycle.problems.length > 20) {
      failures.push(`… and ${lifecycle.problems.length - 20} more cancel and delete problems`);
    }
    // What the users did not cancel or delete must meet every expectation that held without them.
    const untouched = <T extends { id: string }>(rows: T[]) =>
      rows.filter((i) => !lifecycleOf.has(i.id));

    const ledgerProblems = await checkLedger({
      query: async (sql: string, params?: unknown[]) => (await db!.query(sql, params)).rows,
    } as unknown as DataSource);
    if (ledgerProblems.length > 0) {
      failures.push(`checkLedger: ${ledgerProblems.length} problems`);
    }
    const refunds = (
      await db.query<{ infograph_id: string; n: number; amount: number }>(
        `SELECT infograph_id, count(*)::int AS n, sum(amount)::int AS amount
           FROM credit_ledger WHERE reason = 'refund' AND infograph_id IS NOT NULL
          GROUP BY infograph_id`,
      )
    ).rows;
    const refundOf = new Map(refunds.map((r) => [r.infograph_id, r]));
    const refundedTwice = refunds.filter((r) => r.n > 1).length;
    const chargedForFailed = infographs.filter(
      (i) => i.status === 'failed' && refundOf.get(i.id)?.amount !== i.credits_charged,
    ).length;
    const refundedButNotFailed = infographs.filter(
      (i) => i.status !== 'failed' && refundOf.has(i.id),
    ).length;
    if (refundedTwice > 0) {
      failures.push(`${refundedTwice} infographs refunded more than once`);
    }
    if (chargedForFailed > 0) {
      failures.push(`${chargedForFailed} failed infographs not refunded exactly what they cost`);
    }
    if (refundedButNotFailed > 0) {
      failures.push(`${refundedButNotFailed} infographs refunded although not failed`);
    }

    // Each user's balance = granted − what their completed (and open) infographs cost, the
    // deleted ones included: a completed one stays paid for after its delete.
    const balances = new Map(
      (await db.query<{ id: string; balance: number }>(`SELECT id, balance FROM users`)).rows.map(
        (r) => [r.id, r.balance],
      ),
    );
    let balanceMismatches = 0;
    userIds.forEach((id, u) => {
      const kept = [...infographs, ...deleted]
        .filter((i) => i.user_id === id && i.status !== 'failed')
        .reduce((s, i) => s + i.credits_charged, 0);
      if (balances.get(id) !== granted[u] - kept) {
        balanceMismatches += 1;
      }
    });
    if (balanceMismatches > 0) {
      failures.push(`${balanceMismatches} users' balance is not granted − cost of what they got`);
    }
    // Nothing charged that the client was not told about, nothing told that was not created.
    const unacknowledged = infographs.filter((i) => !acknowledged.has(i.id)).length;
    const phantom = [...acknowledged.keys()].filter(
      (id) => !deletedIds.has(id) && !infographs.some((i) => i.id === id),
    );
    if (unacknowledged > 0 && gaveUp === 0) {
      failures.push(`${unacknowledged} infographs exist that no create answer reported`);
    }
    if (phantom.length > 0) {
      failures.push(`${phantom.length} acknowledged infographs do not exist`);
    }
    if ((statusCounts['402'] ?? 0) !== expected402) {
      failures.push(
        `expected ${expected402} answers 402 (the user without credits) but saw ${statusCounts['402'] ?? 0}: a funded user was refused, or the broke one was charged`,
      );
    }
    const unexpectedClientErrors = Object.entries(finalStatusCounts)
      .filter(([s]) => /^4\d\d$/.test(s) && s !== '402')
      .reduce((sum, [, n]) => sum + n, 0);
    if (unexpectedClientErrors > 0) {
      failures.push(
        `${unexpectedClientErrors} create requests ended with a 4xx other than 402: ${JSON.stringify(finalStatusCounts)}`,
      );
    }
    const serverErrors = Object.entries(statusCounts).filter(
      ([s]) => /^5\d\d$/.test(s) && s !== '503',
    );
    if (serverErrors.length > 0) {
      failures.push(
        `create answered server errors other than 503: ${JSON.stringify(serverErrors)}`,
      );
    }
    if (gaveUp > 0) {
      failures.push(`${gaveUp} create requests never got an answer after 12 tries`);
    }

    const crashedProcesses = processes.filter((p) => p.crashed).map((p) => p.name);
    if (crashedProcesses.length > 0) {
      failures.push(`processes died on their own: ${crashedProcesses.join(', ')}`);
    }

    // fal-sim's view: lost and out-of-order webhooks, and what became of their infographs.
    const simRequests = (
      (await (await fetch(`${simUrl}/_sim/requests`)).json()) as {
        requests: {
          requestId: string;
          state: string;
          plan: { webhook: { lost: boolean; outOfOrder: boolean } };
          webhook: { lost: boolean };
          cancel?: { at: number; ignored: boolean };
        }[];
      }
    ).requests;
    // Of the infographs the users left alone: a cancelled one rightly ignores what fal delivers.
    const infographByRequest = new Map(
      untouched(infographs)
        .filter((i) => i.fal_request_id)
        .map((i) => [i.fal_request_id as string, i]),
    );
    const lost = simRequests.filter((r) => r.webhook.lost && infographByRequest.has(r.requestId));
    const outOfOrder = simRequests.filter(
      (r) =>
        r.plan.webhook.outOfOrder && r.state === 'COMPLETED' && infographByRequest.has(r.requestId),
    );
    const webhookOutcomes = Object.fromEntries(
      (
        await db.query<{ outcome: string; n: number }>(
          `SELECT outcome, count(*)::int AS n FROM fal_webhook_deliveries GROUP BY outcome`,
        )
      ).rows.map((r) => [r.outcome, r.n]),
    );
    const submits = (
      (await (await fetch(`${simUrl}/_sim/submits`)).json()) as {
        submits: { outcome: string; prompt?: string }[];
      }
    ).submits;
    const markedSubmits = submits.filter((s) => s.prompt?.includes(SUBMIT_ALWAYS_FAILS));
    const lostCompletedAtFal = lost.filter((r) => r.state === 'COMPLETED');

    // The completed share, and the infographs whose every submit fails.
    const marked = infographs.filter((i) => acknowledged.get(i.id)?.submitAlwaysFails);
    const eligible = untouched(infographs).filter(
      (i) => !acknowledged.get(i.id)?.submitAlwaysFails,
    );
    const eligibleCompleted = eligible.filter((i) => i.status === 'completed').length;
    const completion = {
      eligible: eligible.length,
      completed: eligibleCompleted,
      share: eligible.length === 0 ? 0 : eligibleCompleted / eligible.length,
      minShare: MIN_COMPLETED_SHARE,
    };
    if (completion.share < completion.minShare) {
      failures.push(
        `only ${eligibleCompleted} of ${eligible.length} infographs completed (share ${completion.share.toFixed(3)}, expected at least ${completion.minShare.toFixed(3)})`,
      );
    }
    const submitAlwaysFailsReport = {
      infographs: marked.length,
      failed: marked.filter((i) => i.status === 'failed').length,
      refundedOnceInFull: marked.filter(
        (i) => refundOf.get(i.id)?.n === 1 && refundOf.get(i.id)?.amount === i.credits_charged,
      ).length,
      acceptedSubmits: markedSubmits.filter((s) => s.outcome === 'accept').length,
      rejectedSubmits: markedSubmits.filter((s) => s.outcome === 'error-500').length,
      failureReasons: count(
        marked.filter((i) => i.status === 'failed'),
        (i) => (i.error_message ?? '').slice(0, 90),
      ),
    };
    if (
      marked.length === 0 ||
      submitAlwaysFailsReport.failed !== marked.length ||
      submitAlwaysFailsReport.refundedOnceInFull !== marked.length
    ) {
      failures.push(
        `infographs whose every submit fails: ${JSON.stringify(submitAlwaysFailsReport)} (each must end failed and refunded once, in full)`,
      );
    }

    const faults = {
      workerKilledBy: workerKilledBy as string | null,
      redisRestarts: redis.restarts,
      postgresConnectionsCut,
      submitErrors: submits.filter(
        (s) => s.outcome === 'error-500' && !s.prompt?.includes(SUBMIT_ALWAYS_FAILS),
      ).length,
      duplicateDeliveries: webhookOutcomes.duplicate ?? 0,
      lostWebhooks: lost.length,
      outOfOrder: outOfOrder.length,
      failedGenerations: simRequests.filter((r) => r.state === 'FAILED').length,
    };
    const notFired = [
      faults.workerKilledBy === 'SIGKILL'
        ? null
        : `worker kill (ended by ${faults.workerKilledBy})`,
      faults.redisRestarts === 1 ? null : `Redis restart (${faults.redisRestarts})`,
      faults.postgresConnectionsCut.length === 2 &&
      faults.postgresConnectionsCut.every((n) => n > 0)
        ? null
        : `Postgres cuts (${JSON.stringify(faults.postgresConnectionsCut)})`,
      ...(
        [
          'submitErrors',
          'duplicateDeliveries',
          'lostWebhooks',
          'outOfOrder',
          'failedGenerations',
        ] as const
      ).map((k) => (faults[k] > 0 ? null : k)),
      lostCompletedAtFal.length > 0 ? null : 'lost webhooks of completed requests',
      // The users' side: cancels won against pending and processing rows and lost to finished
      // ones; deletes of unfinished (cancelled first) and of completed (image removed) ones.
      lifecycle.report.cancels.wonPending > 0 ? null : 'cancels of pending infographs',
      lifecycle.report.cancels.wonProcessing > 0 ? null : 'cancels of processing infographs',
      Object.keys(lifecycle.report.cancels.lost).length > 0 ? null : 'cancels that lost (409)',
      lifecycle.report.deletes.unfinished > 0 ? null : 'deletes of unfinished infographs',
      lifecycle.report.deletes.completed > 0 ? null : 'deletes of completed infographs',
    ].filter((f): f is string => f !== null);
    if (notFired.length > 0) {
      failures.push(`faults that never fired: ${notFired.join(', ')}`);
    }
    const times = infographs
      .filter((i) => i.status === 'completed' || i.status === 'failed')
      .map((i) => Number(i.ms))
      .sort((a, b) => a - b);

    const report: ChaosReport = {
      profile: profile.name,
      ok: failures.length === 0,
      failures,
      durationMs: Date.now() - started,
      users: profile.users + 1,
      createRequests: {
        planned: plan.length,
        acknowledged: acknowledged.size,
        retried,
        gaveUp,
        statusCounts,
        finalStatusCounts,
        unexpectedClientErrors,
        insufficientCreditsExpected: expected402,
      },
      created: infographs.length,
      completed: byStatus.completed ?? 0,
      failed: byStatus.failed ?? 0,
      nonTerminal: nonTerminal.length,
      refunded: refunds.reduce((s, r) => s + r.n, 0),
      refundedTwice,
      chargedForFailed,
      balanceMismatches,
      unacknowledgedInfographs: unacknowledged,
      missingObjects,
      orphanObjects: storage.orphans.slice(0, 50),
      temporaryFiles: storage.temporary,
      storageSettledMs,
      duplicatesSeen: webhookOutcomes.duplicate ?? 0,
      webhookOutcomes,
      lostWebhooks: {
        total: lost.length,
        completedAtFal: lostCompletedAtFal.length,
        recoveredByReconcile: lost.filter(
          (r) => infographByRequest.get(r.requestId)?.status === 'completed',
        ).length,
        failed: lost.filter((r) => infographByRequest.get(r.requestId)?.status === 'failed').length,
      },
      completion,
      submitAlwaysFails: submitAlwaysFailsReport,
      faults,
      outOfOrder: {
        total: outOfOrder.length,
        completed: outOfOrder.filter(
          (r) => infographByRequest.get(r.requestId)?.status === 'completed',
        ).length,
        failedByStaleError: outOfOrder.filter(
          (r) => infographByRequest.get(r.requestId)?.status === 'failed',
        ).length,
      },
      falSim: {
        requests: simRequests.length,
        failedGenerations: simRequests.filter((r) => r.state === 'FAILED').length,
        submitOutcomesSample: count(submits, (s) => s.outcome),
      },
      failureReasons: count(
        infographs.filter((i) => i.status === 'failed'),
        (i) => (i.error_message ?? '').replace(/[0-9a-f-]{36}/g, '<id>').slice(0, 90),
      ),
      lifecycle: {
        ...lifecycle.report,
        falFinishedAnyway: simRequests.filter((r) => r.cancel?.ignored && r.state === 'COMPLETED')
          .length,
        problems: lifecycle.problems.slice(0, 50),
      },
      maxTimeToTerminalMs: Math.round(times[times.length - 1] ?? 0),
      p95TimeToTerminalMs: Math.round(times[Math.floor(times.length * 0.95)] ?? 0),
      events,
      crashedProcesses,
      ledgerProblems: ledgerProblems.slice(0, 20),
      customerWebhooks: webhooks.report,
      falSlotsHeld,
      reportPath,
    };
    await mkdir(dirname(reportPath), { recursive: true });
    await writeFile(reportPath, `${JSON.stringify(report, null, 2)}\n`);
    log(`report written to ${reportPath} (logs in ${artifacts})`);
    return report;
  } finally {
    await db?.end().catch(() => undefined);
    await Promise.all(processes.map((p) => p.stop(5000)));
    await redis?.stop();
    await receiver.stop();
    if (!process.env.KEEP_CHAOS_DATA) {
      const admin = new Client({ connectionString: withDatabase(databaseUrl, 'postgres') });
      await admin.connect().catch(() => undefined);
      await admin
        .query(`DROP DATABASE IF EXISTS "${databaseName(databaseUrl)}" WITH (FORCE)`)
        .catch(() => undefined);
      await admin.end().catch(() => undefined);
      await rm(storageDir, { recursive: true, force: true });
    }
  }
}

/** Prints the headline figures of a report. */
export function summarise(report: ChaosReport): string {
  const r = report;
  return [
    `chaos ${r.profile}: ${r.ok ? 'PASS' : 'FAIL'} in ${Math.round(r.durationMs / 1000)} s`,
    `  created ${r.created} (from ${r.createRequests.planned} requests, ${r.createRequests.retried} retries, statuses ${JSON.stringify(r.createRequests.statusCounts)})`,
    `  completed ${r.completed}, failed ${r.failed}, not terminal ${r.nonTerminal}, refunded ${r.refunded}, refunded twice ${r.refundedTwice}`,
    `  completed ${r.completion.completed} of ${r.completion.eligible} unmarked (share ${r.completion.share.toFixed(3)}, at least ${r.completion.minShare.toFixed(3)}); every submit failing: ${r.submitAlwaysFails.failed} of ${r.submitAlwaysFails.infographs} failed, ${r.submitAlwaysFails.refundedOnceInFull} refunded once`,
    `  faults fired: ${JSON.stringify(r.faults)}; final create answers ${JSON.stringify(r.createRequests.finalStatusCounts)}`,
    `  duplicates seen ${r.duplicatesSeen}; lost webhooks ${r.lostWebhooks.total} (recovered by reconcile ${r.lostWebhooks.recoveredByReconcile}); out-of-order ${r.outOfOrder.total} (completed ${r.outOfOrder.completed}, failed by the stale ERROR ${r.outOfOrder.failedByStaleError})`,
    `  cancels ${r.lifecycle.cancels.sent}: won ${r.lifecycle.cancels.wonPending} pending + ${r.lifecycle.cancels.wonProcessing} processing (fal finished ${r.lifecycle.falFinishedAnyway} anyway), lost ${JSON.stringify(r.lifecycle.cancels.lost)}; deletes ${r.lifecycle.deletes.deleted} of ${r.lifecycle.deletes.sent}: ${r.lifecycle.deletes.unfinished} unfinished (${r.lifecycle.deletes.unfinishedAtFal} at fal), ${r.lifecycle.deletes.completed} completed, ${r.lifecycle.deletes.failedBefore} failed`,
    `  max time to terminal ${r.maxTimeToTerminalMs} ms (p95 ${r.p95TimeToTerminalMs} ms); missing objects ${r.missingObjects}; orphaned objects ${r.orphanObjects.length} (${r.temporaryFiles} temporary files); ledger problems ${r.ledgerProblems.length}`,
    `  customer webhooks: ${JSON.stringify(r.customerWebhooks)}`,
    ...r.failures.map((f) => `  ✗ ${f}`),
  ].join('\n');
}
