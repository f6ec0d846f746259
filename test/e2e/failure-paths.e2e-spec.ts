import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { failureMessage, InfographCreationService } from '@app/infographs';
import { QUEUES } from '@app/queues';
import { SCRAPER_OPTIONS, type ScraperOptions } from '@app/scraper';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';

import { WorkerModule } from '../../apps/worker/src/worker.module';
import { aUserWithCredits } from '../support/factories';
import { issuedWebhookPath } from '../support/fal-webhook-signing';
import { Flow, startFlow } from '../support/flow';
import { failedReasonOf } from '../support/job-failure';
import { assertLedgerConsistent } from '../support/ledger';
import { S3TestServer, startS3Server } from '../support/s3-server';
import { testConfig } from '../support/test-app';
import { waitFor } from '../support/wait-for';

/**
 * Every promise here ends the same way: failed, with a stable `error_code` and a message written
 * for the user (never the raw cause, which the job's failed reason keeps for operators), one refund.
 */
async function refunds(flow: Flow, id: string): Promise<number> {
  const [{ n }] = await flow.api.dataSource.query<{ n: number }[]>(
    `SELECT count(*)::int AS n FROM credit_ledger WHERE infograph_id = $1 AND reason = 'refund'`,
    [id],
  );
  return n;
}

async function createOne(
  flow: Flow,
  body: Record<string, unknown>,
): Promise<{ id: string; token: string }> {
  const { token } = await aUserWithCredits(flow.api.app, 1);
  const created = await flow.api.request('POST', '/api/infographs/create/', { token, body });
  expect(created.status).toBe(201);
  return { id: created.body.infographs[0].id as string, token };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
}

/** fal-sim's record of every submit of this exact prompt. */
async function submitsOf(flow: Flow, prompt: string): Promise<string[]> {
  const answer = (await (await fetch(`${flow.simUrl}/_sim/submits`)).json()) as {
    submits: { prompt?: string; outcome: string }[];
  };
  // fal sees the prompt we built around the user's, so match on the user's part.
  return answer.submits.filter((s) => s.prompt?.includes(prompt)).map((s) => s.outcome);
}

describe('failure paths: failed with a readable reason and refunded exactly once', () => {
  let flow: Flow;
  let blog: Server;
  let blogHits = 0;
  let blogHost: string;
  let media: Server;
  let mediaHost: string;
  const mediaHits: Record<string, number> = {};

  beforeAll(async () => {
    // A blog that takes the request and never answers.
    blog = createServer(() => {
      blogHits += 1;
    });
    blogHost = await listen(blog);
    // fal's media host having a bad day: 500 on /broken.png, silence on /silent.png.
    media = createServer((req: IncomingMessage, res) => {
      mediaHits[req.url ?? ''] = (mediaHits[req.url ?? ''] ?? 0) + 1;
      if (req.url === '/broken.png') {
        res.writeHead(500).end('upstream error');
      }
    });
    mediaHost = await listen(media);
    flow = await startFlow({
      SCRAPER_ALLOW_PRIVATE_HOSTS: blogHost,
      // Test-posted webhooks below are unsigned (a local-experiments setting).
      FAL_WEBHOOK_VERIFY: 'false',
      // A bare host allows every port on it: fal-sim's images and the failing host above.
      FAL_MEDIA_HOSTS: '127.0.0.1',
      IMAGE_DOWNLOAD_TIMEOUT_MS: '300',
      // Stuck requests stay with the test, not the reconciler's polling.
      RECONCILE_PROCESSING_AFTER_MS: '600000',
    });
  });
  afterEach(() => assertLedgerConsistent(flow.api.dataSource));
  afterAll(async () => {
    // The hanging servers first: a worker job still waiting on one would hold up the worker's
    // graceful close.
    await stop(blog);
    await stop(media);
    await flow.close();
  });

  it('fails after JOB_ATTEMPTS submits when fal answers 500 every time', async () => {
    const prompt = `unreachable ${Date.now()} [sim:submit-500]`;
    const { id, token } = await createOne(flow, { prompt });
    const done = await flow.waitForTerminal(token, id);
    expect(done).toMatchObject({ status: 'failed', error_code: 'fal_unavailable' });
    expect(done.error_message).toBe(failureMessage('fal_unavailable'));
    expect(await failedReasonOf(flow, 'submit', id)).toMatch(
      /^fal_unavailable after 3 attempts: .*500/,
    );
    expect(await refunds(flow, id)).toBe(1);
    // JOB_ATTEMPTS is 3 in the flow, and the fal client does not retry a 500 by itself.
    expect(await submitsOf(flow, prompt)).toEqual(['error-500', 'error-500', 'error-500']);
  });

  it('fails at once, after one submit, when fal rejects the input (422)', async () => {
    const prompt = `refused ${Date.now()} [sim:submit-422]`;
    const { id, token } = await createOne(flow, { prompt });
    const done = await flow.waitForTerminal(token, id);
    expect(done).toMatchObject({
      status: 'failed',
      error_code: 'generation_failed',
      error_message: failureMessage('generation_failed'),
    });
    expect(await failedReasonOf(flow, 'submit', id)).toMatch(
      /^generation_failed after 1 attempt: fal rejected the input: /,
    );
    expect(await refunds(flow, id)).toBe(1);
    expect(await submitsOf(flow, prompt)).toEqual(['error-422']);
  });

  it('fails at once when the blog never answers, naming its host', async () => {
    // The product's 10 s, shortened on the worker's own scraper options for this test.
    const options = flow.worker.get<ScraperOptions>(SCRAPER_OPTIONS, { strict: false });
    const productTimeout = options.timeoutMs;
    options.timeoutMs = 500;
    try {
      const before = blogHits;
      const { id, token } = await createOne(flow, {
        prompt: 'about this post',
        blog_url: `http://${blogHost}/post`,
      });
      const done = await flow.waitForTerminal(token, id);
      expect(done).toMatchObject({ status: 'failed', error_code: 'blog_unreachable' });
      expect(done.error_message).toBe(
        "We couldn't reach the blog post at 127.0.0.1. Your credits were refunded — check the link, or try again later.",
      );
      expect(await failedReasonOf(flow, 'submit', id)).toMatch(
        /The blog at 127\.0\.0\.1 did not answer within/,
      );
      expect(await refunds(flow, id)).toBe(1);
      // Permanent: one attempt, not JOB_ATTEMPTS.
      expect(blogHits - before).toBe(1);
    } finally {
      options.timeoutMs = productTimeout;
    }
  });

  /** An infograph fal never answers for, so the test can deliver the image URL it wants. */
  async function processingInfograph(): Promise<{ id: string; token: string }> {
    const created = await createOne(flow, { prompt: `hold ${Date.now()} [sim:stuck]` });
    await waitFor(
      () =>
        flow.api.request('GET', `/api/infographs/status/${created.id}/`, { token: created.token }),
      (r) => r.body.status === 'processing',
      { describe: 'processing' },
    );
    return created;
  }

  it.each([
    ['answers 500 every time', '/broken.png', /the image host answered 500$/],
    ['never answers', '/silent.png', /^generation_failed after 3 attempts: download failed: /],
  ])(
    'fails after JOB_ATTEMPTS downloads when the media host %s, refunded once',
    async (_name, path, reason) => {
      const { id, token } = await processingInfograph();
      const hook = await flow.api.request('POST', issuedWebhookPath(id), {
        body: { images: [{ url: `http://${mediaHost}${path}`, content_type: 'image/png' }] },
      });
      expect(hook.status).toBe(200);
      const done = await flow.waitForTerminal(token, id);
      expect(done).toMatchObject({
        status: 'failed',
        error_code: 'generation_failed',
        error_message: failureMessage('generation_failed'),
      });
      expect(await failedReasonOf(flow, 'upload', id)).toMatch(reason);
      expect(await refunds(flow, id)).toBe(1);
      expect(mediaHits[path]).toBe(3);
      delete mediaHits[path];
    },
  );

  it('removes a dead submit job before enqueueing again, and the infograph then completes', async () => {
    const { user, token } = await aUserWithCredits(flow.api.app, 1);
    // A create whose enqueue never happened, while a failed job with its id is still in Redis
    // (BullMQ ignores an add whose id exists, so a requeue that did not remove it would do nothing).
    const { response } = await flow.api.app
      .get(InfographCreationService)
      .create(
        user.id,
        { prompt: 'second life', blogUrl: null, aspectRatio: '1:1', resolution: '1K', count: 1 },
        (made) => made,
      );
    const id = response.ids[0];
    const queue = flow.api.app.get<Queue>(getQueueToken(QUEUES.submit), { strict: false });
    // A payload the worker cannot read fails on its first and only attempt.
    await queue.add(
      QUEUES.submit,
      { infographId: 'not-an-id' },
      { jobId: `submit-${id}`, attempts: 1 },
    );
    const dead = await waitFor(
      () => queue.getJob(`submit-${id}`),
      (job) => job?.failedReason !== undefined && job.finishedOn !== undefined,
      { describe: 'the planted job to fail' },
    );
    // Ours, not one the reconciler added first.
    expect(dead!.data).toEqual({ infographId: 'not-an-id' });
    expect(await dead!.getState()).toBe('failed');

    const done = await flow.waitForTerminal(token, id, 30_000);
    expect([done.status, done.error_message]).toEqual(['completed', null]);
    expect((await queue.getJob(`submit-${id}`))!.data).toEqual({ infographId: id });
  });

  it('lists the history newest first, across pages', async () => {
    const { token } = await aUserWithCredits(flow.api.app, 4);
    const ids: string[] = [];
    for (const n of [1, 2, 3, 4]) {
      const created = await flow.api.request('POST', '/api/infographs/create/', {
        token,
        body: { prompt: `history ${n}` },
      });
      ids.push(created.body.infographs[0].id as string);
      // Distinct creation times, to the millisecond the cursor carries.
      await new Promise((r) => setTimeout(r, 5));
    }
    const first = await flow.api.request('GET', '/api/infographs/?limit=3', { token });
    const rest = await flow.api.request(
      'GET',
      `/api/infographs/?limit=3&cursor=${first.body.next_cursor}`,
      { token },
    );
    const listed = [...first.body.items, ...rest.body.items].map((i: { id: string }) => i.id);
    expect(listed).toEqual([...ids].reverse());
    const byCreatedAt = await flow.api.dataSource.query<{ id: string }[]>(
      `SELECT id FROM infographs WHERE id = ANY($1) ORDER BY created_at DESC`,
      [ids],
    );
    expect(listed).toEqual(byCreatedAt.map((r) => r.id));
    expect(rest.body.next_cursor).toBeNull();
  });
});

describe('storage that is misconfigured', () => {
  let s3: S3TestServer;
  let flow: Flow;

  beforeAll(async () => {
    s3 = await startS3Server({ bucket: 'infographs' });
    flow = await startFlow({
      S3_ENDPOINT: s3.endpoint,
      S3_BUCKET: 'no-such-bucket',
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
      S3_PUBLIC_BASE_URL: 'https://images.example.test',
    });
  });
  afterAll(async () => {
    await flow.close();
    await s3.stop();
  });

  it('fails an upload to a bucket that does not exist with a readable reason, refunded once', async () => {
    const { id, token } = await createOne(flow, { prompt: 'into the void' });
    const done = await flow.waitForTerminal(token, id, 30_000);
    expect(done).toMatchObject({
      status: 'failed',
      error_code: 'storage_failed',
      error_message: failureMessage('storage_failed'),
    });
    // The bucket's name and S3's code are for operators, not the user.
    expect(await failedReasonOf(flow, 'upload', id)).toMatch(/^storage_failed .*NoSuchBucket/);
    expect(await refunds(flow, id)).toBe(1);
    await assertLedgerConsistent(flow.api.dataSource);
  });
});

describe('the reconciler, one run at a time across workers', () => {
  let flow: Flow;
  let second: INestApplicationContext;
  let slowFal: Server;
  let inFlight = 0;
  let mostInFlight = 0;
  let statusCalls = 0;

  beforeAll(async () => {
    // fal as the reconciler sees it here: the status of our stale request takes 400 ms and says
    // IN_PROGRESS, so every run outlasts the 200 ms interval.
    slowFal = createServer((req, res) => {
      if (!req.url?.includes('/requests/slow-request/')) {
        // Other rows the run's database may hold: unknown here, answered at once.
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"detail":"not found"}');
        return;
      }
      statusCalls += 1;
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      setTimeout(() => {
        inFlight -= 1;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'IN_PROGRESS' }));
      }, 400);
    });
    const settings = {
      FAL_QUEUE_URL: `http://${await listen(slowFal)}`,
      RECONCILE_INTERVAL_MS: '200',
    };
    flow = await startFlow(settings);
    second = await NestFactory.createApplicationContext(
      WorkerModule.forRoot(
        testConfig({
          ...settings,
          JOB_BACKOFF_MS: '50',
          JOB_ATTEMPTS: '3',
          RECONCILE_PENDING_AFTER_MS: '2000',
          RECONCILE_PROCESSING_AFTER_MS: '1000',
          FAL_SIM_PORT: new URL(flow.simUrl).port,
          PUBLIC_API_URL: flow.api.url,
        }),
      ),
      { logger: false, abortOnError: false },
    );
    await second.init();
  });
  afterAll(async () => {
    await second.close();
    await flow.close();
    await stop(slowFal);
  });

  it('never runs two reconcile jobs at once, even when a run outlasts the interval', async () => {
    const { user } = await aUserWithCredits(flow.api.app, 1);
    const { response } = await flow.api.app
      .get(InfographCreationService)
      .create(
        user.id,
        { prompt: 'waiting on fal', blogUrl: null, aspectRatio: '1:1', resolution: '1K', count: 1 },
        (made) => made,
      );
    // Submitted long ago (within the maximum age) and never heard of since: polled every run.
    // Older than any row other test files may have left in the run's database, so it comes first
    // in the reconciler's oldest-first batch.
    await flow.api.dataSource.query(
      `UPDATE infographs SET status = 'processing', fal_request_id = 'slow-request',
              submitted_at = now() - interval '2 hours', updated_at = now() - interval '2 hours'
        WHERE id = $1`,
      [response.ids[0]],
    );
    const queue = flow.api.app.get<Queue>(getQueueToken(QUEUES.reconcile), { strict: false });
    await waitFor(
      () => statusCalls,
      (calls) => calls >= 3,
      { timeoutMs: 30_000, describe: 'three reconcile runs to ask fal about the slow request' },
    );
    const runs = (await queue.getJobs(['completed'])).filter((j) => j.name === QUEUES.reconcile);
    const intervals = runs
      .map((j) => [j.processedOn!, j.finishedOn!] as const)
      .sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < intervals.length; i += 1) {
      expect(intervals[i][0]).toBeGreaterThanOrEqual(intervals[i - 1][1]);
    }
    expect(statusCalls).toBeGreaterThanOrEqual(3);
    expect(mostInFlight).toBe(1);
  });
});
