import { AppConfig } from '@app/config';
import { createRedisConnection, type RedisClient } from '@app/redis';
import { BullModule } from '@nestjs/bullmq';
import { BeforeApplicationShutdown, DynamicModule, Module } from '@nestjs/common';

import { defaultJobOptions } from './job-options';
import { JobProducer } from './job-producer';
import { QueueMetrics } from './queue-metrics';
import { QUEUE_NAMES } from './queue-names';
import { queueRegistryProvider } from './queue-registry';

/**
 * BullMQ on the configured Redis, every key under `QUEUE_PREFIX`; the six queues; the producer.
 * The api only produces, and must fail fast (503) when Redis is down rather than queue commands
 * in memory; the worker's connection retries forever instead.
 */
@Module({})
export class QueuesModule {
  static forRoot(role: 'producer' | 'worker'): DynamicModule {
    const holder: { connection?: RedisClient } = {};
    return {
      module: QueuesModule,
      // One per app, and what follows each step (libs/pipeline) enqueues from anywhere.
      global: true,
      imports: [
        BullModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (config: AppConfig) => ({
            connection: (holder.connection = createRedisConnection(
              config,
              role === 'worker' ? 'worker' : 'request',
            )),
            prefix: config.redis.prefix,
          }),
        }),
        ...QUEUE_NAMES.map((name) =>
          BullModule.registerQueueAsync({
            name,
            inject: [AppConfig],
            useFactory: (config: AppConfig) => ({
              defaultJobOptions: defaultJobOptions(config, name),
            }),
          }),
        ),
      ],
      providers: [
        queueRegistryProvider,
        JobProducer,
        QueueMetrics,
        { provide: ConnectionCloser, useValue: new ConnectionCloser(holder) },
      ],
      exports: [BullModule, JobProducer],
    };
  }
}

/**
 * BullMQ's close waits for its connection to become ready, which never happens while Redis is
 * down: drop a connection that is not ready first, so shutdown cannot hang on an outage. (A
 * ready one is left open on purpose: quitting it here could race the workers' own close, which
 * Nest runs in the same shutdown phase; the process exits right after shutdown anyway.)
 */
class ConnectionCloser implements BeforeApplicationShutdown {
  constructor(private readonly holder: { connection?: RedisClient }) {}

  beforeApplicationShutdown(): void {
    if (this.holder.connection && this.holder.connection.status !== 'ready') {
      this.holder.connection.disconnect();
    }
  }
}
