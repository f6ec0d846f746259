import { AppConfig } from '@app/config';
import { WebhookDeliveryService } from '@app/customer-webhooks';
import { Infograph } from '@app/database';
import { FalGateway } from '@app/fal';
import { failureMessage, StaleInfographsService } from '@app/infographs';
import { Metrics } from '@app/observability';
import { InfographPipeline } from '@app/pipeline';
import { JobProducer, QUEUES } from '@app/queues';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { PinoLogger } from 'nestjs-pino';

import { FalConfirmation } from '../fal-confirmation/fal-confirmation';
import { inJobLogContext } from '../job-log-context';
import { DeliveryRetention } from './delivery-retention';
import { FalSlotTending } from './fal-slot-tending';

const BATCH = 200;

/**
 * The backstop for whatever a crash, a lost job or a lost webhook left behind (run on a schedule,
 * see ReconcileScheduler; this worker runs one at a time): lost jobs are enqueued again, fal is
 * asked about webhooks that never came, and an infograph unfinished past GENERATION_TIMEOUT_MS
 * from its create is given up, whatever it waits for.
 */
@Processor(QUEUES.reconcile, {
  concurrency: 1,
  // A run that no worker holds any more (its worker died, or a Redis failover lost the end of it
  // and left it "active" on the new primary) blocks every later run: the queue's global
  // concurrency is 1. Short locks and frequent stall checks (BullMQ's defaults: 30 s each) give
  // it back within seconds; a live run renews its lock every 5 s.
  lockDuration: 10_000,
  stalledInterval: 5_000,
})
export class ReconcileProcessor extends WorkerHost {
  private readonly logger = new Logger('Reconcile');
  @Inject(PinoLogger) private readonly logs!: PinoLogger;

  constructor(
    private readonly config: AppConfig,
    private readonly stale: StaleInfographsService,
    private readonly producer: JobProducer,
    private readonly fal: FalGateway,
    private readonly confirmation: FalConfirmation,
    private readonly pipeline: InfographPipeline,
    private readonly metrics: Metrics,
    private readonly retention: DeliveryRetention,
    private readonly webhookDeliveries: WebhookDeliveryService,
    private readonly slots: FalSlotTending,
  ) {
    super();
  }

  /** `job` is absent when a test runs a pass directly. */
  process(job?: Job): Promise<Record<string, number>> {
    return job ? inJobLogContext(this.logs, job, () => this.reconcile(job.id)) : this.reconcile();
  }

  private async reconcile(jobId?: string): Promise<Record<string, number>> {
    const { pendingAfterMs, processingAfterMs } = this.config.reconcile;
    const counts = { submit: 0, upload: 0, notify: 0, polled: 0, expired: 0, webhooks: 0 };
    // First, so nothing past the bound is requeued or polled again.
    for (const i of await this.stale.findOverdue(
      this.config.reconcile.generationTimeoutMs,
      BATCH,
    )) {
      counts.expired += Number(await this.giveUp(i));
    }
    for (const i of await this.stale.find('submit', pendingAfterMs, BATCH)) {
      counts.submit += Number(await this.producer.requeue('submit', { infographId: i.id }));
    }
    for (const i of await this.stale.find('upload', pendingAfterMs, BATCH)) {
      counts.upload += Number(await this.producer.requeue('upload', { infographId: i.id }));
    }
    // A notify job waits NOTIFY_EMAIL_DELAY_MS for its e-mail: not lost before that is over.
    const notifyAfterMs = pendingAfterMs + this.config.notify.emailDelayMs;
    for (const i of await this.stale.find('notify', notifyAfterMs, BATCH)) {
      counts.notify += Number(await this.producer.requeue('notify', { infographId: i.id }));
    }
    for (const i of await this.stale.find('fal', processingAfterMs, BATCH)) {
      counts[await this.pollFal(i, jobId)] += 1;
    }
    // Customers' webhook messages whose job was lost: rung again under the same job id (so a
    // message still retrying is left alone) and sent with the same `webhook-id`.
    const overdue = await this.webhookDeliveries.overdue(pendingAfterMs, BATCH);
    counts.webhooks = await this.producer.redeliverWebhooks(overdue);
    for (const [action, n] of Object.entries(counts)) {
      this.metrics.reconciled.inc({ action }, n);
    }
    if (Object.values(counts).some((n) => n > 0)) {
      this.logger.log(`reconciled ${JSON.stringify(counts)}`);
    }
    const slots = await this.slots.tend();
    return {
      ...counts,
      slotsRenewed: slots.renewed,
      slotsReleased: slots.released,
      deliveriesPruned: await this.retention.prune(),
    };
  }

  /**
   * Past the generation timeout: failed `timed_out` and refunded (once: it loses cleanly to an
   * image that completed it meanwhile), then cancelled at fal if fal has it, best effort — a
   * result fal still sends finds the row terminal and is ignored. A submit job still held or
   * retrying finds it failed and stops.
   */
  private async giveUp(i: Infograph): Promise<boolean> {
    const timeoutMs = this.config.reconcile.generationTimeoutMs;
    const failed = await this.pipeline.fail(i.id, {
      code: 'timed_out',
      reason: failureMessage('timed_out', { timeoutMs }),
      reasonClass: 'timeout',
    });
    if (failed && i.falRequestId) {
      await this.fal.cancel(i.falRequestId).catch(() => undefined);
    }
    if (failed) {
      this.logger.warn(
        `infographId=${i.id} queue=reconcile timed out: ${i.status}${i.falRequestId ? ` at fal as ${i.falRequestId}` : ''}, unfinished ${Math.round((Date.now() - i.createdAt.getTime()) / 1000)} s after its create`,
      );
    }
    return failed;
  }

  /** Asks fal about a request whose webhook never came, and continues as if it had. */
  private async pollFal(i: Infograph, jobId?: string): Promise<'polled'> {
    try {
      await this.confirmation.confirm(i);
    } catch (error) {
      this.logger.warn(
        `infographId=${i.id} jobId=${jobId} queue=reconcile could not poll fal: ${(error as Error).message}`,
      );
    }
    return 'polled';
  }
}
