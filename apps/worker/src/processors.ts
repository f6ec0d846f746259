import { QUEUE_NAMES } from '@app/queues';
import { WorkerHost } from '@nestjs/bullmq';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';

import { assertOneProcessorPerQueue } from './one-processor-per-queue';

/**
 * This worker's BullMQ processors, found the way @nestjs/bullmq finds them (every provider that
 * is a `WorkerHost`), so nothing else has to list the processor classes.
 */
@Injectable()
export class Processors implements OnApplicationBootstrap {
  constructor(private readonly discovery: DiscoveryService) {}

  all(): WorkerHost[] {
    return this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter((instance): instance is WorkerHost => instance instanceof WorkerHost);
  }

  /**
   * Fails the boot on a queue with no processor or two. Run at bootstrap because the workers
   * (and so each processor's queue name) exist only after @nestjs/bullmq's module init.
   */
  onApplicationBootstrap(): void {
    assertOneProcessorPerQueue(
      QUEUE_NAMES,
      this.all().map((host) => ({ queue: host.worker.name, processor: host.constructor.name })),
    );
  }
}
