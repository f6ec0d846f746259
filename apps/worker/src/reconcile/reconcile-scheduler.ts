import { AppConfig } from '@app/config';
import { QUEUES } from '@app/queues';
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';

/**
 * Keeps the reconcile job repeating: BullMQ's job scheduler makes one run per interval
 * cluster-wide. The scheduler lives in Redis, and a Redis that restarts empty forgets it, so
 * every worker re-asserts it periodically (upserting is idempotent).
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
    await this.queue.upsertJobScheduler(
      QUEUES.reconcile,
      { every: this.config.reconcile.intervalMs },
      { name: QUEUES.reconcile, data: {} },
    );
  }
}
