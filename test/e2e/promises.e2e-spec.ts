// README promises about the api and the worker, each proven through the real parts.
import { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { failureMessage } from '@app/infographs';
import { FAILED_SUBJECT, READY_SUBJECT } from '@app/notifications';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { Client } from 'pg';

import { databaseName, withDatabase } from '../../scripts/ensure-services';
import { aUserWithCredits } from '../support/factories';
import { issuedWebhookPath } from '../support/fal-webhook-signing';
import { Flow, startFlow } from '../support/flow';
import { freePort } from '../support/free-port';
import { assertLedgerConsistent } from '../support/ledger';
import { LogCapture, LogLine, captureLogs } from '../support/log-capture';
import { startNode, waitForExit } from '../support/processes';
import { TestSmtpServer, startSmtpServer } from '../support/smtp-server';
import { TcpProxy } from '../support/tcp-proxy';
import { waitFor } from '../support/wait-for';

/**
 * A server that never answers until released, and remembers each request it got and whether that
 * request is still open: what "the api did not wait for it" is proven with, without a clock.
 */
interface HangingServer {
  origin: string;
  host: string;
  requests: { path: string; open: boolean }[];
  /** Answers every held request, and every later one, with `status`. */
  release(status: number): void;
  close(): Promise<void>;
}

async function startHangingServer(): Promise<HangingServer> {
  const held: ServerResponse[] = [];
  const requests: HangingServer['requests'] = [];
  let releasedWith: number | undefined;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const seen = { path: req.url ?? '', open: true };
    requests.push(seen);
    res.once('close', () => (seen.open = false));
    if (releasedWith !== undefined) {
      res.writeHead(releasedWith).end();
    } else {
      held.push(res);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin: `http://${host}`,
    host,
    requests,
    release: (status) => {
      releasedWith = status;
      for (const res of held.splice(0)) {
        res.writeHead(status).end();
      }
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

const refunds = async (flow: Flow, id: string): Promise<number> =>
  (
    await flow.api.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM credit_ledger WHERE infograph_id = $1 AND reason = 'refund'`,
      [id],
    )
  )[0].n;

const queueOf = (flow: Flow, name: string): Queue =>
  flow.api.app.get<Queue>(getQueueToken(name), { strict: false });

describe('the api never waits on a blog, fal or a media host', () => {
  let blog: HangingServer;
  let media: HangingServer;
  let apiLogs: LogCapture;
  let flow: Flow;

  beforeAll(async () => {
    blog = await startHangingServer();
    media = await startHangingServer();
    apiLogs = captureLogs();
    flow = await startFlow(
      {
        LOG_LEVEL: 'info',
        SCRAPER_ALLOW_PRIVATE_HOSTS: blog.host,
        FAL_MEDIA_HOSTS: media.host,
        // The webhook test posts unsigned deliveries itself (a local-experiments setting).
        FAL_WEBHOOK_VERIFY: 'false',
        RECONCILE_PROCESSING_AFTER_MS: '600000',
      },
      { apiLogs: apiLogs.stream },
    );
  });
  afterEach(() => assertLedgerConsistent(flow.api.dataSource));
  afterAll(async () => {
    // Released first, so no job is left waiting on them when the worker stops.
    blog.release(404);
    media.release(404);
    await flow.close();
    await blog.close();
    await media.close();
  });

  it('answers create with 201 while the blog has not answered and fal has seen no submit', async () => {
    const { token } = await aUserWithCredits(flow.api.app, 1);
    // Were fal ever reached, this prompt would make it hang too.
    const prompt = `never waits ${randomBytes(4).toString('hex')} [sim:submit-timeout]`;
    const created = await flow.api.request('POST', '/api/infographs/create/', {
      token,
      body: { prompt, blog_url: `${blog.origin}/post` },
    });

    // Taken the moment the 201 arrived: the blog's request (if the worker made it yet) is still
    // hanging, so nothing on the request path waited for it; nor did anything reach fal.
    const blogRequests = blog.requests.map((r) => ({ ...r }));
    const submits = (await fetch(`${flow.simUrl}/_sim/submits`).then((r) => r.json())) as {
      submits: { prompt: string }[];
    };
    expect(created.status).toBe(201);
    expect(created.body.infographs[0].status).toBe('pending');
    expect(blogRequests.every((r) => r.open)).toBe(true);
    expect(submits.submits.filter((s) => s.prompt.includes(prompt))).toEqual([]);

    // The worker is the one waiting: it asked the blog, and fails the infograph once it says no.
    await waitFor(
      () => blog.requests.length,
      (n) => n > 0,
      { describe: 'the worker to ask the blog' },
    );
    blog.release(404);
    const id = created.body.infographs[0].id as string;
    const done = await flow.waitForTerminal(token, id);
    expect(done.status).toBe('failed');
    expect(await refunds(flow, id)).toBe(1);
  });

  it('answers an OK webhook with 200 while the media host has not answered the image download', async () => {
    const { token } = await aUserWithCredits(flow.api.app, 1);
    const created = await flow.api.request('POST', '/api/infographs/create/', {
      token,
      body: { prompt: 'held at fal [sim:stuck]' },
    });
    const id = created.body.infographs[0].id as string;
    await waitFor(
      () => flow.api.request('GET', `/api/infographs/status/${id}/`, { token }),
      (r) => r.body?.status === 'processing',
      { describe: `${id} to be processing` },
    );
    const imagePath = `/${id}.png`;

    const hook = await flow.api.request('POST', issuedWebhookPath(id), {
      body: { images: [{ url: `${media.origin}${imagePath}`, content_type: 'image/png' }] },
    });

    const downloads = media.requests.filter((r) => r.path === imagePath).map((r) => ({ ...r }));
    expect(hook.status).toBe(200);
    expect(downloads.every((r) => r.open)).toBe(true);

    // The upload job is the one waiting on the host.
    await waitFor(
      () => media.requests.filter((r) => r.path === imagePath).length,
      (n) => n > 0,
      { describe: 'the worker to download the image' },
    );
    media.release(404);
    expect((await flow.waitForTerminal(token, id)).status).toBe('failed');
    expect(await refunds(flow, id)).toBe(1);
  });

  it('logs the loud warning at start when webhook verification is off', () => {
    const warning = apiLogs
      .lines()
      .find((l) => /FAL_WEBHOOK_VERIFY=false/.test(l.msg ?? '') && /NOT checked/.test(l.msg ?? ''));
    expect(warning).toMatchObject({ level: 40, name: 'api' });
  });
});

describe('worker log lines', () => {
  let workerLogs: LogCapture;
  let flow: Flow;

  beforeAll(async () => {
    workerLogs = captureLogs();
    // No SMTP: e-mails go to the log, as they do on a developer's machine.
    flow = await startFlow(
      { LOG_LEVEL: 'info' },
      { apiLogs: captureLogs().stream, workerLogs: workerLogs.stream },
    );
  });
  afterAll(() => flow.close());

  /** A line says which infograph and job it is about, in its fields or its message. */
  const carriesJob = (line: LogLine, id: string): boolean =>
    (line.infographId === id && typeof line.jobId === 'string' && typeof line.queue === 'string') ||
    new RegExp(`\\binfographId=${id} jobId=\\S+ queue=\\S+`).test(line.msg ?? '');

  it('carry infographId, jobId and queue on every line about an infograph', async () => {
    const { token } = await aUserWithCredits(flow.api.app, 3);
    const ids: string[] = [];
    for (const prompt of ['A fine one', 'A broken one [sim:fail]', 'Refused [sim:submit-500]']) {
      const created = await flow.api.request('POST', '/api/infographs/create/', {
        token,
        body: { prompt },
      });
      ids.push(created.body.infographs[0].id as string);
    }
    for (const id of ids) {
      await flow.waitForTerminal(token, id);
    }
    // Notify is the last step for each: once its line is written, the infograph's story is told.
    const linesAbout = (id: string): LogLine[] =>
      workerLogs.lines().filter((l) => JSON.stringify(l).includes(id));
    for (const id of ids) {
      await waitFor(
        () => linesAbout(id),
        (lines) => lines.some((l) => /queue=notify e-mail sent/.test(l.msg ?? '')),
        { describe: `the notify line for ${id}` },
      );
    }

    for (const id of ids) {
      const lines = linesAbout(id);
      expect(lines.length).toBeGreaterThan(1);
      expect(lines.filter((l) => !carriesJob(l, id))).toEqual([]);
    }
  });
});

describe('the failed-infograph e-mail through the pipeline', () => {
  let smtp: TestSmtpServer;
  let flow: Flow;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    flow = await startFlow({ SMTP_URL: smtp.url });
  });
  afterEach(() => assertLedgerConsistent(flow.api.dataSource));
  afterAll(async () => {
    await flow.close();
    await smtp.stop();
  });

  it('sends exactly one e-mail to the owner, with the reason and the refunded credits', async () => {
    const { user, token } = await aUserWithCredits(flow.api.app, 5);
    const created = await flow.api.request('POST', '/api/infographs/create/', {
      token,
      body: { prompt: 'Doomed [sim:fail]', resolution: '4K' },
    });
    const id = created.body.infographs[0].id as string;
    const done = await flow.waitForTerminal(token, id);
    expect(done.status).toBe('failed');

    const mail = await smtp.waitForMessage((m) => m.envelopeTo.includes(user.email), 15_000);
    expect(mail.subject).toBe(FAILED_SUBJECT);
    expect(mail.text).toContain(`Reason: ${done.error_message}`);
    // Written for the user, by code: fal's "Invalid status code: 500" stays in the logs.
    expect(done).toMatchObject({
      error_code: 'generation_failed',
      error_message: failureMessage('generation_failed'),
    });
    expect(mail.text).not.toContain('Invalid status code');
    expect(mail.text).toContain('We refunded 2 credits to your balance.');
    expect(mail.text).toContain(`Infographic id: ${id}`);

    // The notify job is done and nothing else is queued to tell this user again.
    const notify = queueOf(flow, 'notify');
    await waitFor(
      async () => (await notify.getJob(`notify-${id}`))?.getState(),
      (state) => state === 'completed',
      { describe: `notify-${id} to complete` },
    );
    expect(await notify.getJobCounts('waiting', 'active', 'delayed', 'prioritized')).toMatchObject({
      waiting: 0,
      active: 0,
      delayed: 0,
      prioritized: 0,
    });
    expect(smtp.messages.filter((m) => m.envelopeTo.includes(user.email))).toHaveLength(1);
    expect((await flow.api.request('GET', '/api/credits/', { token })).body.balance).toBe(5);
  });
});

describe('queue dashboard retry and clean (ADMIN_QUEUE_ACTIONS=true)', () => {
  const auth = `Basic ${Buffer.from('ops:correct-horse-battery').toString('base64')}`;
  let smtp: TestSmtpServer;
  let smtpProxy: TcpProxy;
  let flow: Flow;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    smtpProxy = await TcpProxy.start('127.0.0.1', Number(new URL(smtp.url).port));
    flow = await startFlow({
      ADMIN_USER: 'ops',
      ADMIN_PASSWORD: 'correct-horse-battery',
      ADMIN_QUEUE_ACTIONS: 'true',
      SMTP_URL: `smtp://${smtpProxy.url}`,
    });
  });
  afterEach(() => assertLedgerConsistent(flow.api.dataSource));
  afterAll(async () => {
    await flow.close();
    await smtpProxy.close();
    await smtp.stop();
  });

  const board = (method: string, path: string) =>
    flow.api.request(method, `/admin/queues/api/queues/${path}`, {
      headers: { authorization: auth },
    });

  /**
   * An infograph whose submit job failed for good: fal rejects its input. (Not fal answering 500
   * to every attempt: a run of those reads as a fal outage, which opens the circuit breaker and
   * holds later submits pending instead of failing them.)
   */
  async function aFailedSubmit(): Promise<{ id: string; token: string; jobId: string }> {
    const { token } = await aUserWithCredits(flow.api.app, 1);
    const created = await flow.api.request('POST', '/api/infographs/create/', {
      token,
      body: { prompt: `refused ${randomBytes(4).toString('hex')} [sim:submit-422]` },
    });
    const id = created.body.infographs[0].id as string;
    expect((await flow.waitForTerminal(token, id)).status).toBe('failed');
    const jobId = `submit-${id}`;
    await waitFor(
      async () => (await queueOf(flow, 'submit').getJob(jobId))?.getState(),
      (state) => state === 'failed',
      { describe: `${jobId} to fail` },
    );
    return { id, token, jobId };
  }

  it('re-runs a retried failed job, which says why it changes nothing: a failed infograph stays failed and refunded', async () => {
    const { id, token, jobId } = await aFailedSubmit();
    const submit = queueOf(flow, 'submit');
    const before = (await submit.getJob(jobId))!;

    const retried = await board('PUT', `submit/${jobId}/retry`);
    expect(retried.status).toBe(204);

    // It was failed before: completed now means it ran again.
    await waitFor(
      async () => (await submit.getJob(jobId))?.getState(),
      (state) => state === 'completed',
      { describe: `${jobId} to run again` },
    );
    const rerun = (await submit.getJob(jobId))!;
    expect(rerun.attemptsStarted).toBeGreaterThan(before.attemptsStarted);
    // What the dashboard shows as the job's result: why it did nothing.
    expect(String(rerun.returnvalue)).toMatch(/^skipped: the infograph is failed/);
    expect(String(rerun.returnvalue)).toMatch(/refunded/);
    // …and what does run it again.
    expect(String(rerun.returnvalue)).toContain('npm run cli -- infograph:rerun --id');
    const status = await flow.api.request('GET', `/api/infographs/status/${id}/`, { token });
    expect(status.body.status).toBe('failed');
    expect(await refunds(flow, id)).toBe(1);
    const shown = await board('GET', `submit/${jobId}`);
    expect(shown.status).toBe(200);
    expect(JSON.stringify(shown.body)).toMatch(/skipped: the infograph is failed/);
  });

  it('re-runs a retried failed notify job: the e-mail the mail server refused goes out', async () => {
    smtpProxy.setMode('refuse');
    const { user, token } = await aUserWithCredits(flow.api.app, 1);
    const created = await flow.api.request('POST', '/api/infographs/create/', {
      token,
      body: { prompt: 'Told late' },
    });
    const id = created.body.infographs[0].id as string;
    expect((await flow.waitForTerminal(token, id)).status).toBe('completed');
    const notify = queueOf(flow, 'notify');
    const jobId = `notify-${id}`;
    await waitFor(
      async () => (await notify.getJob(jobId))?.getState(),
      (state) => state === 'failed',
      { describe: `${jobId} to fail while the mail server refuses` },
    );
    expect(smtp.messages.filter((m) => m.envelopeTo.includes(user.email))).toEqual([]);

    smtpProxy.setMode('pass');
    expect((await board('PUT', `notify/${jobId}/retry`)).status).toBe(204);
    const mail = await smtp.waitForMessage((m) => m.envelopeTo.includes(user.email), 15_000);
    expect(mail.subject).toBe(READY_SUBJECT);
    await waitFor(
      async () => (await notify.getJob(jobId))?.getState(),
      (state) => state === 'completed',
      { describe: `${jobId} to complete` },
    );
  });

  it('cleans failed and completed jobs', async () => {
    const { jobId } = await aFailedSubmit();
    const submit = queueOf(flow, 'submit');
    const notify = queueOf(flow, 'notify');
    await waitFor(
      () => notify.getCompletedCount(),
      (n) => n > 0,
      { describe: 'a completed notify job' },
    );

    // One job at once …
    expect((await board('PUT', `submit/${jobId}/clean`)).status).toBe(204);
    expect(await submit.getJob(jobId)).toBeUndefined();

    // … and all of a state: the dashboard's "clean all" spares jobs that finished in its last
    // 5 s grace, so it is repeated until those have aged past it.
    const { jobId: another } = await aFailedSubmit();
    for (const [queue, state] of [
      [submit, 'failed'],
      [notify, 'completed'],
    ] as const) {
      await waitFor(
        async () => {
          expect((await board('PUT', `${queue.name}/clean/${state}`)).status).toBe(200);
          return queue.getJobCounts(state);
        },
        (counts) => counts[state] === 0,
        { timeoutMs: 20_000, intervalMs: 500, describe: `${queue.name} ${state} to be cleaned` },
      );
    }
    expect(await submit.getJob(another)).toBeUndefined();
  });
});

describe('npm start on an empty database', () => {
  let child: ChildProcess | undefined;
  let databaseUrl: string;
  let storageDir: string;

  beforeAll(async () => {
    databaseUrl = withDatabase(
      process.env.DATABASE_URL!,
      `${databaseName(process.env.DATABASE_URL!)}_start_${randomBytes(3).toString('hex')}`,
    );
    storageDir = await mkdtemp(join(tmpdir(), 'ainfographic-start-'));
  });
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
    }
    const admin = new Client({ connectionString: withDatabase(databaseUrl, 'postgres') });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${databaseName(databaseUrl)}" WITH (FORCE)`);
    await admin.end();
    await rm(storageDir, { recursive: true, force: true });
  });

  it('creates and migrates the database, makes the demo user, starts the apps, and stops on SIGTERM', async () => {
    const [apiPort, healthPort, simPort] = [await freePort(), await freePort(), await freePort()];
    const base = `http://127.0.0.1:${apiPort}`;
    const token = `aig_start_test_${randomBytes(12).toString('hex')}`;
    const started = startNode('scripts/start-all.js', {
      DATABASE_URL: databaseUrl,
      API_PORT: String(apiPort),
      PUBLIC_API_URL: base,
      WORKER_HEALTH_PORT: String(healthPort),
      FAL_SIM_PORT: String(simPort),
      QUEUE_PREFIX: `${process.env.QUEUE_PREFIX}-start`,
      LOCAL_STORAGE_DIR: storageDir,
      DEMO_USER_EMAIL: 'demo@start.test',
      DEMO_API_TOKEN: token,
      DEMO_USER_CREDITS: '7',
      SHUTDOWN_GRACE_MS: '2000',
    });
    child = started.child;

    await waitFor(
      () => started.output(),
      (out) => out.includes(`API token: ${token}`) || child!.exitCode !== null,
      { timeoutMs: 30_000, describe: 'the demo token line' },
    );
    expect(started.output()).toContain(`API token: ${token}`);
    expect(started.output()).toMatch(/Applied migrations: \S+/);

    const me = await waitFor(
      () =>
        fetch(`${base}/api/me/`, { headers: { authorization: `Token ${token}` } }).then(
          async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }),
          () => ({ status: 0, body: {} }),
        ),
      (r) => r.status === 200,
      { timeoutMs: 30_000, describe: `the api to answer the demo token\n${started.output()}` },
    );
    expect(me.body).toMatchObject({ email: 'demo@start.test' });
    const credits = await fetch(`${base}/api/credits/`, {
      headers: { authorization: `Token ${token}` },
    }).then((r) => r.json() as Promise<{ balance: number }>);
    expect(credits.balance).toBe(7);

    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM migrations');
      expect(rows[0].n).toBeGreaterThan(0);
    } finally {
      await db.end();
    }

    child.kill('SIGTERM');
    expect(await waitForExit(child, 20_000)).toBe(0);
  });
});
