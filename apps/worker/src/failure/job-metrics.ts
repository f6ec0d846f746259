import { Metrics } from '@app/observability';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Worker } from 'bullmq';

import { Processors } from '../processors';

/** Counts attempts, retries and final failures of every queue's jobs from the workers' events. */
@Injectable()
export class JobMetrics implements OnApplicationBootstrap {
  constructor(
    private readonly metrics: Metrics,
    private readonly processors: Processors,
  ) {}

  onApplicationBootstrap(): void {
    for (const host of this.processors.all()) {
      this.observe(host.worker);
    }
  }

  private observe(worker: Worker): void {
    const queue = worker.name;
    worker.on('active', () => this.metrics.jobAttempts.inc({ queue }));
    worker.on('failed', (job) => {
      // attemptsMade already counts this run; a job with attempts left will run again.
      const willRetry =
        job !== undefined && job.attemptsMade < (job.opts.attempts ?? 1) && !job.finishedOn;
      (willRetry ? this.metrics.jobRetries : this.metrics.jobFailures).inc({ queue });
    });
  }
}
