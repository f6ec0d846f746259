import { Metrics } from '@app/observability';
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bullmq';

const STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/** Reports each queue's depth on every scrape of `/metrics` (api and worker alike). */
@Injectable()
export class QueueMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: Metrics,
    @InjectQueue('submit') private readonly submit: Queue,
    @InjectQueue('upload') private readonly upload: Queue,
    @InjectQueue('notify') private readonly notify: Queue,
    @InjectQueue('reconcile') private readonly reconcile: Queue,
  ) {}

  onModuleInit(): void {
    this.metrics.collectQueueDepth = async (gauge) => {
      for (const queue of [this.submit, this.upload, this.notify, this.reconcile]) {
        const counts = await queue.getJobCounts(...STATES).catch(() => null);
        for (const state of STATES) {
          if (counts) {
            gauge.set({ queue: queue.name, state }, counts[state] ?? 0);
          }
        }
      }
    };
  }
}
