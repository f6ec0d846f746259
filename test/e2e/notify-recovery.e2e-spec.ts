// A notify job lost with Redis (a crash or a failover between the status change and the notice):
// the database still says the owner was never told (`notified_at` is empty), and the reconciler
// enqueues the job again, so the e-mail goes out once, late rather than never.
import { jobIdFor } from '@app/queues';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';

import { NotifyProcessor } from '../../apps/worker/src/notify/notify.processor';
import { ReconcileProcessor } from '../../apps/worker/src/reconcile/reconcile.processor';
import { aUserWithCredits } from '../support/factories';
import { Flow, startFlow } from '../support/flow';
import { TestSmtpServer, startSmtpServer } from '../support/smtp-server';
import { waitFor } from '../support/wait-for';

describe('a notify job lost with Redis', () => {
  let flow: Flow;
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    // The reconciler runs when the test says; the e-mail goes without waiting.
    flow = await startFlow({
      SMTP_URL: smtp.url,
      RECONCILE_INTERVAL_MS: '3600000',
      NOTIFY_EMAIL_DELAY_MS: '0',
    });
  });
  afterAll(async () => {
    await flow.close();
    await smtp.stop();
  });

  const notifiedAt = async (id: string): Promise<Date | null> =>
    (
      await flow.api.dataSource.query<{ notified_at: Date | null }[]>(
        `SELECT notified_at FROM infographs WHERE id = $1`,
        [id],
      )
    )[0].notified_at;

  it('is enqueued again by the reconciler: the owner is told once, and only once', async () => {
    const { user, token } = await aUserWithCredits(flow.api.app, 1);
    const notify = flow.worker.get(NotifyProcessor).worker;
    await notify.pause();
    const created = await flow.api.request('POST', '/api/infographs/create/', {
      token,
      body: { prompt: 'Told late, but told' },
    });
    const id: string = created.body.infographs[0].id;
    expect((await flow.waitForTerminal(token, id)).status).toBe('completed');

    // Its notify job is gone, as with Redis' keys; the row was finished a while ago.
    const jobs = flow.api.app.get<Queue>(getQueueToken('notify'), { strict: false });
    const job = await waitFor(
      () => jobs.getJob(jobIdFor('notify', id)),
      (j) => j !== undefined,
      { describe: 'the notify job' },
    );
    await job!.remove();
    notify.resume();
    await flow.api.dataSource.query(
      `UPDATE infographs SET updated_at = now() - interval '1 hour' WHERE id = $1`,
      [id],
    );
    expect(await notifiedAt(id)).toBeNull();

    const reconciler = flow.worker.get(ReconcileProcessor);
    expect(await reconciler.process()).toMatchObject({ notify: 1 });
    await smtp.waitForMessage((m) => m.envelopeTo.includes(user.email), 10_000);
    await waitFor(
      () => notifiedAt(id),
      (at) => at !== null,
      { describe: 'the notify job to finish' },
    );
    // Told: not enqueued again, and one e-mail.
    expect(await reconciler.process()).toMatchObject({ notify: 0 });
    expect(smtp.messages.filter((m) => m.envelopeTo.includes(user.email))).toHaveLength(1);
  });
});
