import { AppConfig, ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { ObservabilityModule } from '@app/observability';
import { RedisModule } from '@app/queues';
import { DynamicModule, Module } from '@nestjs/common';

import { HealthServer } from './health/health-server';

/** The worker: an application context (no HTTP api) that is the only consumer of the queues. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot(),
        RedisModule,
        ObservabilityModule,
      ],
      providers: [HealthServer],
    };
  }
}
