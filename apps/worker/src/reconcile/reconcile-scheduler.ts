import { AppConfig } from '@app/config';
import { QUEUES } from '@app/queues';
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';

/**
 * Keeps the reconcile job repeating, one run at a time cluster-wide. BullMQ's job scheduler makes
 * one job per interval, but it schedules the next one as soon as a run starts, so a run that
 * outlasts the interval would let another worker start the next beside it (`concurrency: 1`
 * holds per worker only): the queue's global concurrency of 1, kept in Redis, closes that. Both
 * live in Redis, and a Redis that restarts empty forgets them, so every worker re-asserts them
 * periodically (both calls are idempotent).
 */
@Injectable()
export class ReconcileScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Reconcile');
  private keepScheduled?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    @InjectQueue(QUEUES.reconcile) private readonly queue: Queue,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.schedule();
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
    // Before the scheduler, so no run can start without the limit in place.
    await this.queue.setGlobalConcurrency(1);
    await this.queue.upsertJobScheduler(
      QUEUES.reconcile,
      { every: this.config.reconcile.intervalMs },
      { name: QUEUES.reconcile, data: {} },
    );
  }
}
