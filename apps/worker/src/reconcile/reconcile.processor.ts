import { AppConfig } from '@app/config';
import { Infograph } from '@app/database';
import { FalGateway } from '@app/fal';
import { StaleInfographsService } from '@app/infographs';
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
import { expiredAtFalReason, hasExpiredAtFal } from './fal-expiry';

const BATCH = 200;

/**
 * The backstop for whatever a crash, a lost job or a lost webhook left behind (run on a schedule,
 * see ReconcileScheduler; this worker runs one at a time): lost jobs are enqueued again, fal is
 * asked about webhooks that never came, and past the maximum age the request is given up.
 */
@Processor(QUEUES.reconcile, { concurrency: 1 })
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
  ) {
    super();
  }

  /** `job` is absent when a test runs a pass directly. */
  process(job?: Job): Promise<Record<string, number>> {
    return job ? inJobLogContext(this.logs, job, () => this.reconcile(job.id)) : this.reconcile();
  }

  private async reconcile(jobId?: string): Promise<Record<string, number>> {
    const { pendingAfterMs, processingAfterMs } = this.config.reconcile;
    const counts = { submit: 0, upload: 0, polled: 0, expired: 0 };
    for (const i of await this.stale.find('submit', pendingAfterMs, BATCH)) {
      counts.submit += Number(await this.producer.requeue('submit', { infographId: i.id }));
    }
    for (const i of await this.stale.find('upload', pendingAfterMs, BATCH)) {
      counts.upload += Number(await this.producer.requeue('upload', { infographId: i.id }));
    }
    for (const i of await this.stale.find('fal', processingAfterMs, BATCH)) {
      counts[await this.pollFal(i, jobId)] += 1;
    }
    for (const [action, n] of Object.entries(counts)) {
      this.metrics.reconciled.inc({ action }, n);
    }
    if (counts.submit + counts.upload + counts.polled + counts.expired > 0) {
      this.logger.log(`reconciled ${JSON.stringify(counts)}`);
    }
    return { ...counts, deliveriesPruned: await this.retention.prune() };
  }

  /** Asks fal about a request whose webhook never came, and continues as if it had. */
  private async pollFal(i: Infograph, jobId?: string): Promise<'polled' | 'expired'> {
    const { maxAgeMs } = this.config.reconcile;
    if (hasExpiredAtFal(i, maxAgeMs, Date.now())) {
      await this.fal.cancel(i.falRequestId as string).catch(() => undefined);
      await this.pipeline.fail(i.id, expiredAtFalReason(maxAgeMs), 'timeout');
      return 'expired';
    }
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
