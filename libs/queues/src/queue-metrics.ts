import { Metrics } from '@app/observability';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';

import { QUEUE_NAMES } from './queue-names';
import { QUEUE_REGISTRY, type QueueRegistry } from './queue-registry';

const STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/** Reports each queue's depth on every scrape of `/metrics` (api and worker alike). */
@Injectable()
export class QueueMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: Metrics,
    @Inject(QUEUE_REGISTRY) private readonly queues: QueueRegistry,
  ) {}

  onModuleInit(): void {
    this.metrics.collectQueueDepth = async (gauge) => {
      for (const queue of QUEUE_NAMES.map((name) => this.queues[name])) {
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
