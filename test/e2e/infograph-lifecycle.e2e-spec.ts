import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { randomUUID } from 'node:crypto';

import { InfographCreationService } from '@app/infographs';
import { JobProducer, jobIdFor } from '@app/queues';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { OBJECT_STORAGE, type ObjectStorage } from '@app/storage';

import { ReconcileProcessor } from '../../apps/worker/src/reconcile/reconcile.processor';
import { UploadProcessor } from '../../apps/worker/src/upload/upload.processor';
import { aUserWithCredits } from '../support/factories';
import { Flow, startFlow } from '../support/flow';
import { TestSmtpServer, startSmtpServer } from '../support/smtp-server';
import { assertLedgerConsistent } from '../support/ledger';
import { waitFor } from '../support/wait-for';

/**
 * Cancel and delete, through the real api, worker and fal-sim, and the races that make them hard:
 * whatever happens first, each infograph ends either with its image (charged) or refunded exactly
 * once (no image kept), never both and never neither.
 */
describe('infograph lifecycle: cancel, delete, regenerate', () => {
  let flow: Flow;
  let smtp: TestSmtpServer;
  let storage: ObjectStorage;
  let slowBlog: Server;
  let slowBlogUrl: string;
  /** Requests the slow blog has received: a submit job is scraping it. */
  let blogReads = 0;

  beforeAll(async () => {
    // A blog that takes its time: the submit job is still scraping while the infograph is pending.
    slowBlog = createServer((_req, res) => {
      blogReads += 1;
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(
          '<html><head><title>Slow news</title></head><body><article><h1>Slow news</h1>' +
            '<p>Some things take time, and this article about patience is one of them.</p>' +
            '<p>It still arrives in the end, long after anyone asked for it.</p></article></body></html>',
        );
      }, 1500);
    });
    await new Promise<void>((r) => slowBlog.listen(0, '127.0.0.1', r));
    const port = (slowBlog.address() as AddressInfo).port;
    slowBlogUrl = `http://127.0.0.1:${port}/post`;
    smtp = await startSmtpServer();
    flow = await startFlow({
      SCRAPER_ALLOW_PRIVATE_HOSTS: `127.0.0.1:${port}`,
      SMTP_URL: smtp.url,
      // The tests run the reconciler themselves, when they race it.
      RECONCILE_INTERVAL_MS: '3600000',
    });
    storage = flow.api.app.get<ObjectStorage>(OBJECT_STORAGE);
    // A running request honours a cancel unless its prompt says `[sim:cancel-ignored]`.
    await fetch(`${flow.simUrl}/_sim/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      // No account concurrency limit: every request runs at once, so the races below are timed.
      body: JSON.stringify({ cancelIgnoredRate: 0, concurrency: 0 }),
    });
  });
  afterEach(() => assertLedgerConsistent(flow.api.dataSource));
  afterAll(async () => {
    await flow.close();
    await smtp.stop();
    await new Promise((r) => slowBlog.close(r));
  });

  async function create(token: string, body: Record<string, unknown>): Promise<string[]> {
    const created = await flow.api.request('POST', '/api/infographs/create/', { token, body });
    expect(created.status).toBe(201);
    return (created.body.infographs as { id: string }[]).map((i) => i.id);
  }

  const status = (token: string, id: string) =>
    flow.api.request('GET', `/api/infographs/status/${id}/`, { token });
  const cancel = (token: string, id: string) =>
    flow.api.request('POST', `/api/infographs/${id}/cancel/`, { token });
  const remove = (token: string, id: string) =>
    flow.api.request('DELETE', `/api/infographs/${id}/`, { token });
  const balance = async (token: string) =>
    (await flow.api.request('GET', '/api/credits/', { token })).body.balance as number;

  async function waitForStatus(token: string, id: string, wanted: string) {
    return (
      await waitFor(
        () => status(token, id),
        (r) => r.body?.status === wanted,
        { timeoutMs: 20_000, describe: `infograph ${id} to be ${wanted}` },
      )
    ).body;
  }

  /** Refund entries the ledger holds for the user (they stay when an infograph is deleted). */
  async function refundsOf(userId: string): Promise<{ amount: number; infograph_id: string }[]> {
    return flow.api.dataSource.query(
      `SELECT amount, infograph_id FROM credit_ledger WHERE user_id = $1 AND reason = 'refund'`,
      [userId],
    );
  }

  async function simRequest(requestId: string): Promise<any> {
    return (await fetch(`${flow.simUrl}/_sim/requests/${requestId}`)).json();
  }

  /** Deliveries fal made for this infograph, by what we did with them. */
  async function deliveries(id: string): Promise<string[]> {
    const rows = await flow.api.dataSource.query<{ outcome: string; fal_status: string }[]>(
      `SELECT outcome, fal_status FROM fal_webhook_deliveries WHERE infograph_id = $1`,
      [id],
    );
    return rows.map((r) => `${r.fal_status}:${r.outcome}`);
  }

  const imageKey = (userId: string, id: string) => `infographs/${userId}/${id}.png`;

  /** The infograph's job on `queue` once it has finished (completed or failed), or none. */
  async function finishedJob(queue: 'submit' | 'upload', id: string) {
    const jobs = flow.api.app.get<Queue>(getQueueToken(queue), { strict: false });
    return waitFor(
      async () => {
        const job = await jobs.getJob(jobIdFor(queue, id));
        return { job, state: job ? await job.getState() : 'none' };
      },
      ({ state }) => state === 'completed' || state === 'failed' || state === 'none',
      { describe: `the ${queue} job of ${id} to finish` },
    );
  }

  describe('cancel', () => {
    it('cancels a pending one at once: failed, error_code cancelled, refunded once', async () => {
      const { user, token } = await aUserWithCredits(flow.api.app, 5);
      // Created without its submit job (as when Redis was down at create): it stays pending.
      const {
        response: { ids },
      } = await flow.api.app
        .get(InfographCreationService)
        .create(
          user.id,
          { prompt: 'Wait', blogUrl: null, aspectRatio: '16:9', resolution: '4K', count: 1 },
          (made) => made,
        );
      expect(await balance(token)).toBe(3);

      const answer = await cancel(token, ids[0]);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        id: ids[0],
        status: 'failed',
        error_code: 'cancelled',
        credits_charged: 2,
      });
      expect(answer.body.error_message).toMatch(/cancelled.*refunded/i);
      expect(await balance(token)).toBe(5);
      expect((await status(token, ids[0])).body).toMatchObject({ error_code: 'cancelled' });

      // Its late submit changes nothing: the job skips a row that is no longer pending.
      expect(await flow.api.app.get(JobProducer).requeue('submit', { infographId: ids[0] })).toBe(
        true,
      );
      const late = await finishedJob('submit', ids[0]);
      expect(late.job?.returnvalue).toMatch(/^skipped/);
      expect((await status(token, ids[0])).body).toMatchObject({
        status: 'failed',
        request_id: null,
      });
      const again = await cancel(token, ids[0]);
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ code: 'infograph_finished', infograph_status: 'failed' });
      expect(await refundsOf(user.id)).toEqual([{ amount: 2, infograph_id: ids[0] }]);
    });

    it('tells the open pages but sends no e-mail: the user cancelled it themselves', async () => {
      const { user, token } = await aUserWithCredits(flow.api.app, 2);
      const [cancelled, failed] = [
        ...(await create(token, { prompt: 'Stop it [sim:slow=3000]' })),
        ...(await create(token, { prompt: 'Broken [sim:fail]' })),
      ];
      await waitForStatus(token, cancelled, 'processing');
      expect((await cancel(token, cancelled)).status).toBe(200);
      await waitForStatus(token, failed, 'failed');
      // The real failure is mailed; by then the cancel's notify job has long finished.
      await smtp.waitForMessage((m) => m.envelopeTo.includes(user.email), 10_000);
      const notify = flow.worker.get<Queue>(getQueueToken('notify'), { strict: false });
      const job = await waitFor(
        () => notify.getJob(`notify-${cancelled}`),
        (j) => j?.finishedOn !== undefined,
        { describe: "the cancel's notify job to finish" },
      );
      expect(job?.returnvalue).toBe('failed');
      expect(smtp.messages.filter((m) => m.envelopeTo.includes(user.email))).toHaveLength(1);
    });

    it('wins against a submit still reading the blog: the surplus fal request is cancelled', async () => {
      const { user, token } = await aUserWithCredits(flow.api.app, 1);
      const prompt = `Summarise this ${randomUUID()}`;
      const readsBefore = blogReads;
      const [id] = await create(token, { prompt, blog_url: slowBlogUrl });
      await waitFor(
        () => blogReads,
        (n) => n > readsBefore,
        { describe: 'the submit job to be scraping the slow blog' },
      );
      const answer = await cancel(token, id);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ status: 'failed', error_code: 'cancelled' });

      // The submit finishes its scrape, submits, finds the row cancelled and cancels at fal.
      const surplus = await waitFor(
        async () => {
          const all = (await (await fetch(`${flow.simUrl}/_sim/requests`)).json()) as any;
          return (all.requests as any[]).find((r) => String(r.prompt).includes(prompt));
        },
        (r) => r?.state === 'CANCELLED',
        { timeoutMs: 15_000, describe: 'the surplus request to be cancelled at fal' },
      );
      expect(surplus.cancel).toMatchObject({ ignored: false });
      const row = (await status(token, id)).body;
      expect(row).toMatchObject({ status: 'failed', error_code: 'cancelled', request_id: null });
      expect(await balance(token)).toBe(1);
      expect(await refundsOf(user.id)).toHaveLength(1);
    });

    it('cancels a processing one at fal too; the ERROR that follows changes nothing', async () => {
      const { user, token } = await aUserWithCredits(flow.api.app, 1);
      const [id] = await create(token, { prompt: 'Take your time [sim:slow=3000]' });
      const processing = await waitForStatus(token, id, 'processing');

      const answer = await cancel(token, id);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ status: 'failed', error_code: 'cancelled' });
      expect(await balance(token)).toBe(1);

      const atFal = await waitFor(
        () => simRequest(processing.request_id),
        (r) => r.state === 'CANCELLED',
        { timeoutMs: 10_000, describe: 'fal to cancel the request' },
      );
      expect(atFal.cancel).toMatchObject({ ignored: false });
      await waitFor(
        () => deliveries(id),
        (d) => d.length > 0,
        { timeoutMs: 10_000, describe: "fal's ERROR webhook to arrive" },
      );
      expect(await deliveries(id)).toEqual(['ERROR:ignored_terminal']);
      expect((await status(token, id)).body).toMatchObject({
        status: 'failed',
        error_code: 'cancelled',
      });
      expect(await refundsOf(user.id)).toHaveLength(1);
    });

    it('keeps the refund when fal ignores the cancel and sends its image: the OK is recorded and ignored', async () => {
      const { user, token } = await aUserWithCredits(flow.api.app, 1);
      const [id] = await create(token, { prompt: 'Stubborn [sim:slow=1500] [sim:cancel-ignored]' });
      const processing = await waitForStatus(token, id, 'processing');
      expect((await cancel(token, id)).status).toBe(200);

      const atFal = await waitFor(
        () => simRequest(processing.request_id),
        (r) => r.state === 'COMPLETED' && r.webhook.attempts.length > 0,
        { timeoutMs: 10_000, describe: 'fal to complete the request anyway' },
      );
      expect(atFal.cancel).toMatchObject({ ignored: true });
      await waitFor(
        () => deliveries(id),
        (d) => d.length > 0,
        { timeoutMs: 10_000, describe: "fal's OK webhook to arrive" },
      );
      expect(await deliveries(id)).toEqual(['OK:ignored_terminal']);
      // An ignored OK enqueues nothing: there is no upload job.
      expect((await finishedJob('upload', id)).state).toBe('none');
      expect((await status(token, id)).body).toMatchObject({
        status: 'failed',
        error_code: 'cancelled',
        image_url: null,
      });
      expect(await storage.exists(imageKey(user.id, id))).toBe(false);
      expect(await balance(token)).toBe(1);
      expect(await refundsOf(user.id)).toHaveLength(1);
    });

    it('races the OK webhook and the upload: each ends with its image or its refund, never both', async () => {
      const count = 8;
      const { user, token } = await aUserWithCredits(flow.api.app, count);
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        ids.push(
          ...(await create(token, { prompt: `Race ${i} [sim:slow=600] [sim:cancel-ignored]` })),
        );
      }
      for (const id of ids) {
        await waitForStatus(token, id, 'processing');
      }
      // Cancels spread over the moment fal finishes: before the webhook, between the webhook and
      // the upload, during the upload, after completion.
      const answers = await Promise.all(
        ids.map(async (id, i) => {
          await new Promise((r) => setTimeout(r, 200 * i));
          return cancel(token, id);
        }),
      );
      // What each cancel answered and how its infograph ended: a 200 means refunded and no
      // image; a 409 means fal's image won and the infograph completed, charged.
      const seen = [];
      for (const [i, id] of ids.entries()) {
        const final = await waitFor(
          () => status(token, id),
          (r) => r.body.status === 'completed' || r.body.status === 'failed',
          { timeoutMs: 15_000, describe: `infograph ${id} to end` },
        );
        seen.push({
          answer: answers[i].status,
          code: answers[i].body.code ?? null,
          infograph_status: answers[i].body.infograph_status ?? null,
          status: final.body.status,
          error_code: final.body.error_code,
          has_image: final.body.image_url !== null,
        });
      }
      const cancelledShape = {
        answer: 200,
        code: null,
        infograph_status: null,
        status: 'failed',
        error_code: 'cancelled',
        has_image: false,
      };
      const completedShape = {
        answer: 409,
        code: 'infograph_finished',
        infograph_status: 'completed',
        status: 'completed',
        error_code: null,
        has_image: true,
      };
      expect(seen).toEqual(seen.map((o) => (o.answer === 200 ? cancelledShape : completedShape)));
      const cancelled = seen.filter((o) => o.answer === 200).length;
      // Uploads that lost to a cancel remove their copies: once each upload job has finished.
      for (const id of ids) {
        await finishedJob('upload', id);
      }
      for (const id of ids) {
        const final = (await status(token, id)).body;
        expect(await storage.exists(imageKey(user.id, id))).toBe(final.status === 'completed');
      }
      expect(await refundsOf(user.id)).toHaveLength(cancelled);
      expect(await balance(token)).toBe(cancelled);
    });

    it('races the reconciler giving up on it: refunded once, by whichever won', async () => {
      const { user, token } = await aUserWithCredits(flow.api.app, 8);
      const ids = [
        ...(await create(token, { prompt: 'Lost [sim:stuck]', number_of_infographs: 4 })),
        ...(await create(token, { prompt: 'Lost too [sim:stuck]', number_of_infographs: 4 })),
      ];
      for (const id of ids) {
        await waitForStatus(token, id, 'processing');
      }
      // Past the maximum age: the reconciler's next pass cancels them at fal and fails them.
      await flow.api.dataSource.query(
        `UPDATE infographs SET submitted_at = now() - interval '1 day', updated_at = now() - interval '1 hour'
          WHERE id = ANY($1)`,
        [ids],
      );
      const reconciler = flow.worker.get(ReconcileProcessor);
      // The cancels spread over the reconciler's pass, which takes the rows one by one.
      const [, ...answers] = await Promise.all([
        reconciler.process(),
        ...ids.map(async (id, i) => {
          await new Promise((r) => setTimeout(r, 25 * i));
          return cancel(token, id);
        }),
      ]);
      // The cancel answers 200 when it won, 409 (the infograph already failed) when the
      // reconciler did; the error code says who.
      const seen = [];
      for (const [i, id] of ids.entries()) {
        const final = (await status(token, id)).body;
        seen.push({
          answer: answers[i].status,
          infograph_status: answers[i].body.infograph_status ?? null,
          status: final.status,
          error_code: final.error_code,
        });
      }
      expect(seen).toEqual(
        seen.map((o) =>
          o.answer === 200
            ? { answer: 200, infograph_status: null, status: 'failed', error_code: 'cancelled' }
            : {
                answer: 409,
                infograph_status: 'failed',
                status: 'failed',
                error_code: 'timed_out',
              },
        ),
      );
      expect(await refundsOf(user.id)).toHaveLength(8);
      expect(await balance(token)).toBe(8);
    });

    it('answers 404 for an unknown id, a malformed one, and another user’s', async () => {
      const { token: owner } = await aUserWithCredits(flow.api.app, 1);
      const { token: stranger } = await aUserWithCredits(flow.api.app, 0);
      const [id] = await create(owner, { prompt: 'Mine [sim:slow=1000]' });
      expect((await cancel(stranger, id)).status).toBe(404);
      expect((await cancel(owner, 'not-a-uuid')).status).toBe(404);
      expect((await cancel(owner, '00000000-0000-4000-8000-000000000000')).status).toBe(404);
      expect((await remove(stranger, id)).status).toBe(404);
      await waitForStatus(owner, id, 'completed');
    });
  });

  describe('delete', () => {
    it('deletes a completed one and its image; afterwards 404 everywhere, a second delete too', async () => {
      const { user, token } = await aUserWithCredits(flow.api.app, 2);
      const [keep, id] = await create(token, { prompt: 'Two of them', number_of_infographs: 2 });
      await waitForStatus(token, keep, 'completed');
      const done = await waitForStatus(token, id, 'completed');
      expect(await storage.exists(imageKey(user.id, id))).toBe(true);
      expect((await fetch(done.image_url)).status).toBe(200);

      const answer = await remove(token, id);
      expect(answer.status).toBe(204);
      expect((await status(token, id)).status).toBe(404);
      const history = await flow.api.request('GET', '/api/infographs/', { token });
      expect((history.body.items as { id: string }[]).map((i) => i.id)).toEqual([keep]);
      expect(await storage.exists(imageKey(user.id, id))).toBe(false);
      expect((await fetch(done.image_url)).status).toBe(404);
      expect(await storage.exists(imageKey(user.id, keep))).toBe(true);
      expect((await remove(token, id)).status).toBe(404);
      expect((await cancel(token, id)).status).toBe(404);
      // A completed one was paid for: deleting it refunds nothing.
      expect(await balance(token)).toBe(0);
      expect(await refundsOf(user.id)).toEqual([]);
    });

    it('cancels an unfinished one first (refunded once); its late image is never kept', async () => {
      const { user, token } = await aUserWithCredits(flow.api.app, 1);
      const [id] = await create(token, {
        prompt: 'Never mind [sim:slow=1200] [sim:cancel-ignored]',
      });
      const processing = await waitForStatus(token, id, 'processing');

      expect((await remove(token, id)).status).toBe(204);
      expect((await status(token, id)).status).toBe(404);
      expect(await balance(token)).toBe(1);
      expect(await refundsOf(user.id)).toEqual([{ amount: 1, infograph_id: null }]);

      // fal finishes anyway; its OK webhook finds no infograph: recorded and refused.
      await waitFor(
        () => simRequest(processing.request_id),
        (r) => r.state === 'COMPLETED',
        { timeoutMs: 10_000, describe: 'fal to complete the request anyway' },
      );
      await waitFor(
        () =>
          flow.api.dataSource.query<{ outcome: string }[]>(
            `SELECT outcome FROM fal_webhook_deliveries WHERE fal_request_id = $1`,
            [processing.request_id],
          ),
        (rows) => rows.some((r) => r.outcome === 'unknown_infograph'),
        { timeoutMs: 10_000, describe: 'the late webhook to be recorded' },
      );
      expect(await storage.exists(imageKey(user.id, id))).toBe(false);
      expect(await balance(token)).toBe(1);
    });

    it('races uploads: every one ends gone, with no stored object and the credits right', async () => {
      const count = 8;
      const { user, token } = await aUserWithCredits(flow.api.app, count);
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        ids.push(
          ...(await create(token, { prompt: `Gone ${i} [sim:slow=600] [sim:cancel-ignored]` })),
        );
      }
      const requestIds: string[] = [];
      for (const id of ids) {
        requestIds.push((await waitForStatus(token, id, 'processing')).request_id);
      }
      const answers = await Promise.all(
        ids.map(async (id, i) => {
          await new Promise((r) => setTimeout(r, 200 * i));
          return remove(token, id);
        }),
      );
      expect(answers.map((a) => a.status)).toEqual(ids.map(() => 204));
      // Late webhooks and uploads have had their chance: fal's webhook of every request is
      // recorded (fal finishes them all, ignoring the cancels), and every upload has finished.
      await waitFor(
        () =>
          flow.api.dataSource.query<{ n: number }[]>(
            `SELECT count(DISTINCT fal_request_id)::int AS n FROM fal_webhook_deliveries
              WHERE fal_request_id = ANY($1)`,
            [requestIds],
          ),
        (rows) => rows[0].n === requestIds.length,
        { timeoutMs: 20_000, describe: "fal's webhook of every request" },
      );
      for (const id of ids) {
        await finishedJob('upload', id);
      }
      for (const id of ids) {
        expect((await status(token, id)).status).toBe(404);
        expect(await storage.exists(imageKey(user.id, id))).toBe(false);
      }
      expect(await storage.deletePrefix(`infographs/${user.id}/`)).toBe(0);
      // Each was charged once; each deleted before it completed was refunded once, the rest not.
      const refunds = await refundsOf(user.id);
      expect(refunds.every((r) => r.amount === 1)).toBe(true);
      expect(await balance(token)).toBe(refunds.length);
    });
  });

  describe('racing an upload that has already copied the image', () => {
    /**
     * Deterministic: the test holds the infograph's row lock while the cancel (or delete) and
     * then the upload's `completed` update queue behind it, in that order; released, the cancel
     * wins and the upload, which has already written the image to storage, finds it lost.
     */
    it.each([
      ['cancel', 200],
      ['delete', 204],
    ] as const)('%s wins: refunded once, and the upload removes its copy', async (action, code) => {
      const { user, token } = await aUserWithCredits(flow.api.app, 1);
      const uploads = flow.worker.get(UploadProcessor).worker;
      await uploads.pause();
      let locker: Awaited<ReturnType<typeof flow.api.dataSource.createQueryRunner>> | undefined;
      try {
        const [id] = await create(token, { prompt: `Copying ${action}` });
        // fal's image is recorded; its upload job waits for the paused worker.
        await waitFor(
          () =>
            flow.api.dataSource.query<{ fal_image_url: string | null }[]>(
              `SELECT fal_image_url FROM infographs WHERE id = $1`,
              [id],
            ),
          (rows) => rows[0]?.fal_image_url !== null,
          { describe: "fal's image to be recorded" },
        );
        locker = flow.api.dataSource.createQueryRunner();
        await locker.connect();
        await locker.startTransaction();
        await locker.query(`SELECT 1 FROM infographs WHERE id = $1 FOR UPDATE`, [id]);
        const waiting = () =>
          flow.api.dataSource.query<{ n: number }[]>(
            `SELECT count(*)::int AS n FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          );
        const answer = (action === 'cancel' ? cancel : remove)(token, id);
        await waitFor(waiting, (rows) => rows[0].n === 1, { describe: 'the cancel to wait' });
        uploads.resume();
        await waitFor(waiting, (rows) => rows[0].n === 2, { describe: 'the upload to wait' });
        expect(await storage.exists(imageKey(user.id, id))).toBe(true);
        await locker.commitTransaction();

        expect((await answer).status).toBe(code);
        const upload = flow.worker.get<Queue>(getQueueToken('upload'), { strict: false });
        const job = await waitFor(
          () => upload.getJob(`upload-${id}`),
          (j) => j?.finishedOn !== undefined,
          { describe: 'the upload job to finish' },
        );
        expect(job?.returnvalue).toMatch(/the copy is removed/);
        expect(await storage.exists(imageKey(user.id, id))).toBe(false);
        expect(await balance(token)).toBe(1);
        expect(await refundsOf(user.id)).toHaveLength(1);
        expect((await status(token, id)).status).toBe(action === 'cancel' ? 200 : 404);
      } finally {
        if (locker?.isTransactionActive) {
          await locker.rollbackTransaction();
        }
        await locker?.release();
        uploads.resume();
      }
    });
  });

  it('removes the copy an upload run wrote before it crashed, once the infograph is cancelled', async () => {
    const { user, token } = await aUserWithCredits(flow.api.app, 1);
    // Created without its submit job, so nothing else runs for it; cancelled while pending.
    const {
      response: { ids },
    } = await flow.api.app
      .get(InfographCreationService)
      .create(
        user.id,
        { prompt: 'Crashed copy', blogUrl: null, aspectRatio: '1:1', resolution: '1K', count: 1 },
        (made) => made,
      );
    const [id] = ids;
    expect((await cancel(token, id)).status).toBe(200);
    // What an upload run leaves when it dies between writing its copy and completing the row.
    await storage.put(imageKey(user.id, id), Buffer.from('partial'), {
      contentType: 'image/png',
      contentLength: 7,
    });

    // BullMQ runs the job again after the crash: it finds the row failed.
    await flow.api.app.get(JobProducer).enqueue('upload', [{ infographId: id }]);
    const upload = flow.worker.get<Queue>(getQueueToken('upload'), { strict: false });
    const job = await waitFor(
      () => upload.getJob(`upload-${id}`),
      (j) => j?.finishedOn !== undefined,
      { describe: 'the re-run upload job to finish' },
    );
    expect(job?.returnvalue).toMatch(/^skipped: the infograph is failed/);
    expect(await storage.exists(imageKey(user.id, id))).toBe(false);
    expect(await balance(token)).toBe(1);
  });

  describe('regenerate (try again, variations)', () => {
    const regenerate = (
      token: string,
      id: string,
      body?: Record<string, unknown>,
      headers?: Record<string, string>,
    ) => flow.api.request('POST', `/api/infographs/${id}/regenerate/`, { token, body, headers });

    it('makes a new one from a failed one, with its prompt and settings, charged normally', async () => {
      const { token } = await aUserWithCredits(flow.api.app, 5);
      const [failed] = await create(token, {
        prompt: 'Try me again [sim:slow=2000]',
        aspect_ratio: '9:16',
        resolution: '2K',
      });
      await waitForStatus(token, failed, 'processing');
      expect((await cancel(token, failed)).status).toBe(200);

      // No body at all, and an empty one, both mean "the same again".
      for (const body of [undefined, {}]) {
        const again = await regenerate(token, failed, body);
        expect(again.status).toBe(201);
        expect(again.body).toMatchObject({ total_submitted: 1, credits_used: 1 });
        const made = await status(token, again.body.infographs[0].id);
        expect(made.body).toMatchObject({
          status: 'pending',
          prompt: 'Try me again [sim:slow=2000]',
          aspect_ratio: '9:16',
          resolution: '2K',
          blog_url: null,
        });
      }
      expect(await balance(token)).toBe(3);
      // The one it came from is untouched.
      expect((await status(token, failed)).body).toMatchObject({ error_code: 'cancelled' });
    });

    it('takes overrides and a count: variations of a completed one', async () => {
      const { token } = await aUserWithCredits(flow.api.app, 10);
      const [source] = await create(token, { prompt: 'Original', aspect_ratio: '16:9' });
      await waitForStatus(token, source, 'completed');
      const variations = await regenerate(token, source, {
        prompt: '  A variation  ',
        aspect_ratio: '1/1',
        resolution: '4K',
        number_of_infographs: 2,
      });
      expect(variations.status).toBe(201);
      expect(variations.body).toMatchObject({ total_submitted: 2, credits_used: 4 });
      for (const { id } of variations.body.infographs as { id: string }[]) {
        expect(await flow.waitForTerminal(token, id)).toMatchObject({
          status: 'completed',
          prompt: 'A variation',
          aspect_ratio: '1:1',
          resolution: '4K',
        });
      }
      expect(await balance(token)).toBe(5);
    });

    it('keeps the create guarantees: Idempotency-Key replays, 400 names the field, 402, 404', async () => {
      const { token } = await aUserWithCredits(flow.api.app, 2);
      const { token: stranger } = await aUserWithCredits(flow.api.app, 5);
      const [source] = await create(token, { prompt: 'Keyed' });
      const key = { 'idempotency-key': `regen-${randomUUID()}` };

      const first = await regenerate(token, source, { number_of_infographs: 1 }, key);
      const retry = await regenerate(token, source, { number_of_infographs: 1 }, key);
      expect(first.status).toBe(201);
      expect(retry.status).toBe(201);
      expect(retry.body).toEqual(first.body);
      expect(await balance(token)).toBe(0);
      const reused = await regenerate(token, source, { number_of_infographs: 2 }, key);
      expect(reused.status).toBe(409);

      const invalid = await regenerate(token, source, { resolution: '8K', colour: 'red' });
      expect(invalid.status).toBe(400);
      expect(invalid.body.details).toEqual(
        expect.arrayContaining([
          { field: 'resolution', message: expect.any(String) },
          { field: 'colour', message: 'unknown field' },
        ]),
      );
      expect((await regenerate(token, source, {})).status).toBe(402);
      expect((await regenerate(stranger, source, {})).status).toBe(404);
      expect((await regenerate(token, 'nope', {})).status).toBe(404);
      expect(await balance(stranger)).toBe(5);
    });
  });

  it('documents the routes and error_code in the OpenAPI document', async () => {
    const doc = (await flow.api.request('GET', '/docs-json')).body;
    expect(Object.keys(doc.paths['/api/infographs/{id}/cancel'])).toEqual(['post']);
    expect(Object.keys(doc.paths['/api/infographs/{id}/regenerate'])).toEqual(['post']);
    expect(Object.keys(doc.paths['/api/infographs/{id}'])).toEqual(['delete']);
    expect(doc.components.schemas.InfographResponse.properties.error_code.enum).toEqual(
      expect.arrayContaining(['cancelled', 'timed_out', 'blog_unreachable', 'content_blocked']),
    );
  });

  describe('failure codes', () => {
    it.each([
      ['Broken [sim:fail]', 'generation_failed'],
      ['Flagged [sim:nsfw]', 'content_blocked'],
    ])('%s fails with error_code %s', async (prompt, code) => {
      const { token } = await aUserWithCredits(flow.api.app, 1);
      const [id] = await create(token, { prompt });
      const done = await flow.waitForTerminal(token, id);
      expect(done).toMatchObject({ status: 'failed', error_code: code });
      expect(await balance(token)).toBe(1);
    });

    it('a blog that is not allowed fails with blog_blocked', async () => {
      const { token } = await aUserWithCredits(flow.api.app, 1);
      const [id] = await create(token, { prompt: 'Read this', blog_url: 'http://10.0.0.1/post' });
      const done = await flow.waitForTerminal(token, id);
      expect(done).toMatchObject({ status: 'failed', error_code: 'blog_blocked' });
    });
  });
});
