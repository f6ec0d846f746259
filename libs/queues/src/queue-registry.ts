import { getQueueToken } from '@nestjs/bullmq';
import type { FactoryProvider } from '@nestjs/common';
import type { Queue } from 'bullmq';

import { QUEUE_NAMES, type QueueName } from './queue-names';

/** Every registered BullMQ queue by name, so code that needs several never lists them by hand. */
export type QueueRegistry = { readonly [Q in QueueName]: Queue };

export const QUEUE_REGISTRY = Symbol('QUEUE_REGISTRY');

export const queueRegistryProvider: FactoryProvider<QueueRegistry> = {
  provide: QUEUE_REGISTRY,
  // The same tokens `@InjectQueue(name)` uses, in QUEUE_NAMES order.
  inject: QUEUE_NAMES.map((name) => getQueueToken(name)),
  useFactory: (...queues: Queue[]) =>
    Object.fromEntries(QUEUE_NAMES.map((name, i) => [name, queues[i]])) as QueueRegistry,
};
