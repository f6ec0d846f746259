// Stripe's webhook when the api dies between receiving a delivery and answering it (issue 18).
// The api runs as a real process (dist), the one Stripe would talk to; it is SIGKILLed (no
// shutdown hooks, transactions left open, answers never written) while deliveries of
// `checkout.session.completed` are in flight, started again on the same address, and every event
// is redelivered as Stripe does: signed anew each time, until it gets a 2xx. Each purchase must
// then be granted exactly once, and the ledger check must find nothing.
//
// What makes that hold, and what each test would see without it:
// - The grant is one transaction (ledger entry, balance, purchase status). Were the ledger entry
//   committed on its own, a kill before the balance update would leave an entry with no credits;
//   the redelivery would find the entry and answer `duplicate`, the buyer would be a pack short,
//   and checkLedger would report the balance drifting from the ledger. The first test kills the
//   api at exactly that point and checks that nothing of the grant is left.
// - The entry's reference `purchase:<id>` is unique in the database, so what the dead process
//   committed is seen by the next one: an in-memory "seen events" guard would be gone after the
//   restart. The last describe takes that uniqueness away and shows the same crash granting twice,
//   caught by these assertions and by checkLedger. (The seeded bursts, run on that database, fail
//   too: every burst of duplicates that reaches the database before the kill grants more than once.)
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';

import { generateApiToken, hashApiToken } from '@app/auth';
import { checkLedger } from '@app/credits';
import { Client } from 'pg';
import { DataSource } from 'typeorm';

import { hashSeed, mulberry32, randomInt, type Rng } from '../../apps/fal-sim/src/prng';
import { freePort } from '../support/free-port';
import { assertLedgerConsistent } from '../support/ledger';
import { ManagedProcess, startDistNode } from '../support/managed-process';
import { ROOT } from '../support/processes';
import { scratchDatabase } from '../support/scratch-database';
import { StripeApiServer, StripeObject, startStripeApiServer } from '../support/stripe-api-server';
import {
  WEBHOOK_PATH,
  newWebhookSecret,
  signedDelivery,
  stripeEvent,
} from '../support/stripe-events';
import { waitFor } from '../support/wait-for';

const PACKS = [
  { id: 'starter', name: 'Starter: 10 credits', credits: 10, price: 500, currency: 'usd' },
  { id: 'studio', name: 'Studio: 200 credits', credits: 200, price: 6000, currency: 'eur' },
];
/**
 * The burst rounds' dice: where each round's kill lands is drawn from this seed, so a failing
 * round names its plan and repeats it (what the api got done by then still depends on timing).
 */
const SEED = 'payments-crash';
const ROUNDS = 6;
const PURCHASES_PER_ROUND = 3;
const COPIES_PER_EVENT = 4;
/** Upper bound of a round's extra delay before the kill, after its kill point. */
const MAX_KILL_DELAY_MS = 30;
/** Stripe waits about this long for an answer (a hung api fails the test, not Jest). */
const DELIVERY_TIMEOUT_MS = 10_000;
const REDELIVERY_ATTEMPTS = 20;

type Delivery = ReturnType<typeof signedDelivery>;
/** What one delivery got back: status 0 when the connection died before a whole answer came. */
interface Answer {
  status: number;
  outcome?: string;
  error?: string;
}
interface Checkout {
  purchaseId: string;
  sessionId: string;
  credits: number;
  event: StripeObject;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const isSuccess = (answer: Answer) => answer.status >= 200 && answer.status < 300;

/** The api as Stripe sees it: one address, with a process behind it that can die and come back. */
class ApiProcess {
  private process?: ManagedProcess;

  constructor(
    readonly url: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  async start(): Promise<void> {
    const started = startDistNode('api', join(ROOT, 'dist/apps/api/src/main.js'), this.env);
    this.process = started;
    const ready = await waitFor(
      () =>
        fetch(`${this.url}/health/ready`, { signal: AbortSignal.timeout(2000) }).then(
          (r) => r.status,
          () => 0,
        ),
      (status) => status === 200 || !started.running,
      { timeoutMs: 30_000, describe: 'the api process to be ready' },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${started.tail()}`);
    });
    if (ready !== 200) {
      throw new Error(`the api process exited at start:\n${started.tail()}`);
    }
  }

  /** `kill -9`: no shutdown hooks, nothing in flight answered, its transactions left open. */
  async kill9(): Promise<void> {
    await this.process?.kill9();
  }

  async stop(): Promise<void> {
    await this.process?.stop(5000);
  }
}

/**
 * One delivery as Stripe makes it: the POST, then its answer if one comes. `onSent` runs once the
 * request's bytes are handed to the kernel, i.e. the api may be reading them.
 */
function attempt(base: string, delivery: Delivery, onSent?: () => void): Promise<Answer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve) => {
    const req = request(
      {
        host: hostname,
        port,
        path: WEBHOOK_PATH,
        method: 'POST',
        agent: false,
        headers: { ...delivery.headers, 'content-length': Buffer.byteLength(delivery.body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          let outcome: string | undefined;
          try {
            outcome = JSON.parse(Buffer.concat(chunks).toString('utf8')).outcome;
          } catch {
            // not JSON: the status says enough
          }
          resolve({ status: res.statusCode ?? 0, outcome });
        });
        // Cut off mid-answer: to Stripe that is no answer (a no-op once 'end' resolved).
        res.on('close', () => resolve({ status: 0, error: 'answer cut off' }));
      },
    );
    req.setTimeout(DELIVERY_TIMEOUT_MS, () => req.destroy(new Error('no answer in time')));
    req.on('error', (error) => resolve({ status: 0, error: error.message }));
    req.end(delivery.body, onSent);
  });
}

/**
 * Stripe's side of an answer it never got: the request goes out whole and the connection is
 * dropped before anything is read (as when the api dies after committing, before answering).
 */
function sendAndHangUp(base: string, delivery: Delivery): Promise<void> {
  const { hostname, port } = new URL(base);
  const head = [
    `POST ${WEBHOOK_PATH} HTTP/1.1`,
    `host: ${hostname}:${port}`,
    `content-length: ${Buffer.byteLength(delivery.body)}`,
    'connection: close',
    ...Object.entries(delivery.headers).map(([k, v]) => `${k}: ${v}`),
  ].join('\r\n');
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.end(`${head}\r\n\r\n${delivery.body}`, () => {
        socket.destroy();
        resolve();
      });
    });
    socket.on('error', reject);
  });
}

/** Stripe's retries, compressed: the same event, signed anew each time, until a 2xx (bounded). */
async function redeliverUntilAnswered(
  base: string,
  event: StripeObject,
  secret: string,
): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let i = 0; i < REDELIVERY_ATTEMPTS; i++) {
    const answer = await attempt(base, signedDelivery(event, secret));
    answers.push(answer);
    if (isSuccess(answer)) {
      return answers;
    }
    await sleep(250);
  }
  throw new Error(
    `no 2xx after ${REDELIVERY_ATTEMPTS} deliveries of ${event.id as string}: ${JSON.stringify(answers)}`,
  );
}

function shuffled<T>(rng: Rng, items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = randomInt(rng, 0, i);
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

/** The file's own database (test-env.ts), with a connection of the test's own. */
function fileDatabase(): { url: string; db: () => DataSource } {
  const url = process.env.DATABASE_URL as string;
  const dataSource = new DataSource({ type: 'postgres', url });
  beforeAll(() => dataSource.initialize());
  afterAll(() => dataSource.destroy());
  return { url, db: () => dataSource };
}

/**
 * The Stripe stand-in and the api process, on `database`, for one describe block; and what its
 * tests do and read.
 */
function crashHarness(database: { url: string; db: () => DataSource }) {
  const secret = newWebhookSecret();
  let stripe: StripeApiServer;
  let api: ApiProcess;

  beforeAll(async () => {
    stripe = await startStripeApiServer();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    api = new ApiProcess(url, {
      ...process.env,
      DATABASE_URL: database.url,
      API_PORT: String(port),
      PUBLIC_API_URL: url,
      STRIPE_SECRET_KEY: stripe.secretKey,
      STRIPE_WEBHOOK_SECRET: secret,
      STRIPE_API_URL: stripe.url,
      CREDIT_PACKS: JSON.stringify(PACKS),
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    });
    await api.start();
  }, 60_000);
  afterAll(async () => {
    await api?.stop();
    await stripe?.stop();
  });

  const query = <T>(sql: string, params: unknown[] = []) => database.db().query<T[]>(sql, params);

  return {
    secret,
    api: () => api,
    db: database.db,
    query,
    /** A user with no credits and an API token, written the way the api writes them. */
    async aBuyer(): Promise<{ userId: string; token: string }> {
      const [{ id }] = await query<{ id: string }>(
        `INSERT INTO users (email) VALUES ($1) RETURNING id`,
        [`crash-${Math.random().toString(36).slice(2)}@test.local`],
      );
      const token = generateApiToken();
      await query(
        `INSERT INTO api_tokens (user_id, token_hash, token_prefix) VALUES ($1, $2, $3)`,
        [id, hashApiToken(token), token.slice(0, 12)],
      );
      return { userId: id, token };
    },
    /** A checkout started through the api process, paid on Stripe: its `completed` event. */
    async aPaidCheckout(token: string, pack: string): Promise<Checkout> {
      const response = await fetch(`${api.url}/api/credits/checkout/`, {
        method: 'POST',
        headers: { authorization: `Token ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ pack }),
      });
      const body = (await response.json()) as { purchase_id: string; credits: number };
      expect({ status: response.status, body }).toMatchObject({ status: 201 });
      const [{ stripe_session_id: sessionId }] = await query<{ stripe_session_id: string }>(
        `SELECT stripe_session_id FROM credit_purchases WHERE id = $1`,
        [body.purchase_id],
      );
      return {
        purchaseId: body.purchase_id,
        sessionId,
        credits: body.credits,
        event: stripeEvent('checkout.session.completed', stripe.completeSession(sessionId)),
      };
    },
    grantsOf: (purchaseId: string) =>
      query<{ amount: number }>(
        `SELECT amount FROM credit_ledger WHERE purchase_id = $1 AND reason = 'purchase'`,
        [purchaseId],
      ),
    async statusOf(purchaseId: string): Promise<string> {
      const [row] = await query<{ status: string }>(
        `SELECT status FROM credit_purchases WHERE id = $1`,
        [purchaseId],
      );
      return row.status;
    },
    async balanceOf(userId: string): Promise<number> {
      const [row] = await query<{ balance: number }>(`SELECT balance FROM users WHERE id = $1`, [
        userId,
      ]);
      return row.balance;
    },
    /**
     * Sessions of other processes still holding a write transaction: a killed api's backends
     * stay until Postgres notices their client is gone, and roll back then.
     */
    async openWriters(): Promise<number> {
      const [row] = await query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL`,
      );
      return row.n;
    },
  };
}
type Harness = ReturnType<typeof crashHarness>;

/**
 * A delivery whose grant commits, then the api is killed before Stripe read any answer; after the
 * restart Stripe delivers the event again until it gets a 2xx. What the ledger then says.
 */
async function killAfterCommitThenRedeliver(h: Harness) {
  const buyer = await h.aBuyer();
  const checkout = await h.aPaidCheckout(buyer.token, 'starter');
  await sendAndHangUp(h.api().url, signedDelivery(checkout.event, h.secret));
  await waitFor(
    () => h.statusOf(checkout.purchaseId),
    (status) => status === 'paid',
    { describe: 'the abandoned delivery to commit its grant' },
  );
  await h.api().kill9();
  await h.api().start();
  const answers = await redeliverUntilAnswered(h.api().url, checkout.event, h.secret);
  return {
    checkout,
    answers,
    grants: await h.grantsOf(checkout.purchaseId),
    balance: await h.balanceOf(buyer.userId),
    problems: await checkLedger(h.db()),
  };
}

describe('Stripe webhook deliveries cut short by the api being killed', () => {
  const database = fileDatabase();
  const h = crashHarness(database);
  afterEach(() => assertLedgerConsistent(database.db()));

  it('keeps nothing of a grant killed mid-transaction, and grants it once on redelivery', async () => {
    const buyer = await h.aBuyer();
    const checkout = await h.aPaidCheckout(buyer.token, 'starter');
    // Another session holds the buyer's row against updates (not against the ledger entry's
    // foreign-key check), so each delivery's grant inserts its ledger entry and then waits on
    // the balance update: the api is killed exactly between the two.
    const blocker = new Client({ connectionString: database.url });
    await blocker.connect();
    let burst: Promise<Answer[]> = Promise.resolve([]);
    try {
      await blocker.query('BEGIN');
      await blocker.query(`SELECT id FROM users WHERE id = $1 FOR NO KEY UPDATE`, [buyer.userId]);
      burst = Promise.all(
        Array.from({ length: 3 }, () =>
          attempt(h.api().url, signedDelivery(checkout.event, h.secret)),
        ),
      );
      // Well inside the api's 5 s statement timeout, which would otherwise answer 503.
      await waitFor(
        () =>
          h.query<{ pid: number }>(
            `SELECT a.pid FROM pg_stat_activity a
              WHERE a.datname = current_database() AND a.wait_event_type = 'Lock'
                AND a.query LIKE 'UPDATE "users"%'
                AND EXISTS (SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                             WHERE l.pid = a.pid AND l.granted AND c.relname = 'credit_ledger'
                               AND l.mode = 'RowExclusiveLock')`,
          ),
        (rows) => rows.length > 0,
        { timeoutMs: 15_000, intervalMs: 25, describe: 'a grant between its entry and balance' },
      );
      await h.api().kill9();
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    expect((await burst).map((a) => a.status)).toEqual([0, 0, 0]);
    await waitFor(
      () => h.openWriters(),
      (n) => n === 0,
      { describe: "the killed api's transactions to end" },
    );
    expect(await h.grantsOf(checkout.purchaseId)).toEqual([]);
    expect(await h.statusOf(checkout.purchaseId)).toBe('pending');
    expect(await h.balanceOf(buyer.userId)).toBe(0);

    await h.api().start();
    const answers = await redeliverUntilAnswered(h.api().url, checkout.event, h.secret);
    expect(answers.at(-1)).toEqual({ status: 200, outcome: 'granted' });
    expect(await h.grantsOf(checkout.purchaseId)).toEqual([{ amount: 10 }]);
    expect(await h.balanceOf(buyer.userId)).toBe(10);
  }, 90_000);

  it('grants nothing more when the api died after committing, before Stripe had its answer', async () => {
    const outcome = await killAfterCommitThenRedeliver(h);
    expect(outcome.answers.at(-1)).toEqual({ status: 200, outcome: 'duplicate' });
    expect(outcome.grants).toEqual([{ amount: 10 }]);
    expect(outcome.balance).toBe(10);
    expect(outcome.problems).toEqual([]);
  }, 90_000);

  it('grants every purchase once across seeded bursts of duplicates cut short by SIGKILL', async () => {
    let cutOff = 0;
    let committedBeforeKill = 0;
    const total = PURCHASES_PER_ROUND * COPIES_PER_EVENT;
    for (let round = 0; round < ROUNDS; round++) {
      const rng = mulberry32(hashSeed(SEED, round));
      // Where the kill lands: after this many of the burst's answers (0: as soon as the first
      // delivery is on the wire), then this many ms. Round 0 kills at once.
      const killAfterAnswers = round === 0 ? 0 : randomInt(rng, 0, total - 2);
      const killAfterMs = round === 0 ? 0 : randomInt(rng, 0, MAX_KILL_DELAY_MS);
      const plan = { round, killAfterAnswers, killAfterMs };
      const buyer = await h.aBuyer();
      const checkouts: Checkout[] = [];
      for (let i = 0; i < PURCHASES_PER_ROUND; i++) {
        checkouts.push(await h.aPaidCheckout(buyer.token, PACKS[randomInt(rng, 0, 1)].id));
      }
      const order = shuffled(
        rng,
        checkouts.flatMap((c) => Array.from({ length: COPIES_PER_EVENT }, () => c)),
      );
      let answered = 0;
      let reached!: () => void;
      const killPoint = new Promise<void>((resolve) => (reached = resolve));
      const burst = Promise.all(
        order.map((c) =>
          attempt(
            h.api().url,
            signedDelivery(c.event, h.secret),
            killAfterAnswers === 0 ? reached : undefined,
          ).then((answer) => {
            answered += 1;
            if (answered >= killAfterAnswers) {
              reached();
            }
            return { purchaseId: c.purchaseId, answer };
          }),
        ),
      );
      await killPoint;
      await sleep(killAfterMs);
      await h.api().kill9();
      const cut = await burst;
      cutOff += cut.filter((d) => d.answer.status === 0).length;
      // What the dead process committed (its open transactions roll back as Postgres notices).
      await waitFor(
        () => h.openWriters(),
        (n) => n === 0,
        { describe: "the killed api's transactions to end" },
      );
      for (const c of checkouts) {
        committedBeforeKill += (await h.grantsOf(c.purchaseId)).length;
      }
      // Whatever got through before the kill was a proper answer (no signature or server error).
      expect({
        ...plan,
        improper: cut.filter((d) => d.answer.status !== 0 && d.answer.status !== 200),
      }).toEqual({ ...plan, improper: [] });

      await h.api().start();
      for (const c of checkouts) {
        const redelivered = await redeliverUntilAnswered(h.api().url, c.event, h.secret);
        const answers = cut.filter((d) => d.purchaseId === c.purchaseId).map((d) => d.answer);
        answers.push(...redelivered);
        const context = { ...plan, purchase: c.purchaseId };
        expect({ ...context, last: redelivered.at(-1)!.outcome }).toEqual({
          ...context,
          last: expect.stringMatching(/^(granted|duplicate)$/),
        });
        // At most one delivery may say it granted; none if the kill took the granting answer.
        const granted = answers.filter((a) => a.outcome === 'granted').length;
        expect({ ...context, atMostOneGranted: granted <= 1 }).toEqual({
          ...context,
          atMostOneGranted: true,
        });
        expect({ ...context, grants: await h.grantsOf(c.purchaseId) }).toEqual({
          ...context,
          grants: [{ amount: c.credits }],
        });
        expect({ ...context, status: await h.statusOf(c.purchaseId) }).toEqual({
          ...context,
          status: 'paid',
        });
      }
      const expected = checkouts.reduce((sum, c) => sum + c.credits, 0);
      expect({ ...plan, balance: await h.balanceOf(buyer.userId) }).toEqual({
        ...plan,
        balance: expected,
      });
      expect({ ...plan, problems: await checkLedger(database.db()) }).toEqual({
        ...plan,
        problems: [],
      });
    }
    // The kills did land inside the bursts: some deliveries never had an answer, and some
    // redeliveries met a grant the dead process had committed.
    expect({ cutOff: cutOff > 0, committedBeforeKill: committedBeforeKill > 0 }).toEqual({
      cutOff: true,
      committedBeforeKill: true,
    });
  }, 180_000);
});

describe('the same crash, once the grant reference is no longer unique', () => {
  // A scratch database broken on purpose: a trigger gives every purchase grant a reference of its
  // own, which is what "the reference is not unique" amounts to for the grant. (Dropping
  // uq_credit_ledger_reference instead would make Postgres refuse the grant's ON CONFLICT outright:
  // every delivery would answer 503, and the tests above would fail by never getting a 2xx.)
  const database = scratchDatabase('payments_crash_unguarded');
  const h = crashHarness(database);

  it('grants the redelivered event a second time, and these checks and checkLedger say so', async () => {
    await database.db().query(
      `CREATE FUNCTION unguard_purchase_reference() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NEW.reference LIKE 'purchase:%' THEN
           NEW.reference := NEW.reference || '#' || gen_random_uuid();
         END IF;
         RETURN NEW;
       END $$`,
    );
    await database.db().query(
      `CREATE TRIGGER unguard_purchase_reference BEFORE INSERT ON credit_ledger
       FOR EACH ROW EXECUTE FUNCTION unguard_purchase_reference()`,
    );
    const outcome = await killAfterCommitThenRedeliver(h);
    const { purchaseId, sessionId } = outcome.checkout;
    expect(outcome.answers.at(-1)).toEqual({ status: 200, outcome: 'granted' });
    expect(outcome.grants).toEqual([{ amount: 10 }, { amount: 10 }]);
    expect(outcome.balance).toBe(20);
    expect(outcome.problems).toEqual([
      { purchaseId, problem: 'paid purchase has 2 grant(s), expected 1' },
      {
        paymentReference: sessionId,
        problem: `Stripe payment ${sessionId} was granted 2 times, expected once`,
      },
    ]);
  }, 90_000);
});
