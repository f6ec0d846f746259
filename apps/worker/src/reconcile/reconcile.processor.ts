import { AppConfig } from '@app/config';
import { Infograph } from '@app/database';
import { FalGateway } from '@app/fal';
import { FalOutcomeService, InfographStateService } from '@app/infographs';
import { Metrics } from '@app/observability';
import { JobProducer } from '@app/queues';
import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';

import { DeliveryRetention } from './delivery-retention';

const BATCH = 200;

/**
 * The backstop for whatever a crash, a lost job or a lost webhook left behind. A repeating job:
 * BullMQ's scheduler makes one run per interval cluster-wide, and this worker runs one at a time.
 */
@Processor('reconcile', { concurrency: 1 })
export class ReconcileProcessor
  extends WorkerHost
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger('Reconcile');
  private keepScheduled?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    @InjectQueue('reconcile') private readonly queue: Queue,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly producer: JobProducer,
    private readonly fal: FalGateway,
    private readonly state: InfographStateService,
    private readonly outcomes: FalOutcomeService,
    private readonly metrics: Metrics,
    private readonly retention: DeliveryRetention,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.schedule();
    // The scheduler lives in Redis: a Redis that restarts empty forgets it, and nothing would
    // reconcile again. Upserting is idempotent, so every worker re-asserts it periodically.
    this.keepScheduled = setInterval(
      () =>
        void this.schedule().catch((error: unknown) =>
          this.logger.warn(`could not re-assert the reconcile schedule: ${String(error)}`),
        ),
      Math.max(this.config.reconcile.intervalMs, 5000),
    );
    this.keepScheduled.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.keepScheduled);
  }

  private async schedule(): Promise<void> {
    await this.queue.upsertJobScheduler(
      'reconcile',
      { every: this.config.reconcile.intervalMs },
      { name: 'reconcile', data: {} },
    );
  }

  async process(): Promise<Record<string, number>> {
    const { pendingAfterMs, processingAfterMs } = this.config.reconcile;
    const counts = { submit: 0, upload: 0, polled: 0, expired: 0 };
    for (const i of await this.stale(`status = 'pending'`, pendingAfterMs)) {
      counts.submit += Number(await this.producer.requeue('submit', { infographId: i.id }));
    }
    for (const i of await this.stale(
      `status = 'processing' AND fal_image_url IS NOT NULL`,
      pendingAfterMs,
    )) {
      counts.upload += Number(await this.producer.requeue('upload', { infographId: i.id }));
    }
    for (const i of await this.stale(
      `status = 'processing' AND fal_image_url IS NULL`,
      processingAfterMs,
    )) {
      counts[await this.pollFal(i)] += 1;
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
  private async pollFal(i: Infograph): Promise<'polled' | 'expired'> {
    const requestId = i.falRequestId as string;
    const age = Date.now() - (i.submittedAt ?? i.createdAt).getTime();
    if (age > this.config.reconcile.maxAgeMs) {
      await this.fal.cancel(requestId).catch(() => undefined);
      const minutes = Math.round(this.config.reconcile.maxAgeMs / 60000);
      if (
        await this.state.failAndRefund(
          i.id,
          `No result from fal.ai within ${minutes} minutes; the request was cancelled.`,
          'timeout',
        )
      ) {
        await this.producer.enqueue('notify', [{ infographId: i.id }]);
      }
      return 'expired';
    }
    try {
      const applied = await this.outcomes.confirmWithFal(i);
      if (applied === 'accepted') {
        await this.producer.enqueue('upload', [{ infographId: i.id }]);
      } else if (applied === 'failed') {
        await this.producer.enqueue('notify', [{ infographId: i.id }]);
      }
    } catch (error) {
      this.logger.warn(
        `infographId=${i.id} queue=reconcile could not poll fal: ${(error as Error).message}`,
      );
    }
    return 'polled';
  }

  private stale(condition: string, olderThanMs: number): Promise<Infograph[]> {
    return this.dataSource.manager
      .createQueryBuilder(Infograph, 'i')
      .where(condition)
      .andWhere(`updated_at < now() - make_interval(secs => :secs)`, { secs: olderThanMs / 1000 })
      .orderBy('updated_at', 'ASC')
      .take(BATCH)
      .getMany();
  }
}
