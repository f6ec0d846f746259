import { Global, Module } from '@nestjs/common';

import { HealthService } from './health.service';
import { Metrics } from './metrics';

/** Health checks and the process's metrics registry, available everywhere. */
@Global()
@Module({ providers: [HealthService, Metrics], exports: [HealthService, Metrics] })
export class ObservabilityModule {}
