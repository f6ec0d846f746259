import { AppConfig, ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { FalModule } from '@app/fal';
import { InfographsModule } from '@app/infographs';
import { NotificationsModule } from '@app/notifications';
import { ObservabilityModule, createRootLogger, loggingModule } from '@app/observability';
import { QueuesModule, RedisModule } from '@app/queues';
import { DEFAULT_SCRAPER_OPTIONS, ScraperModule } from '@app/scraper';
import { StorageModule } from '@app/storage';
import { DynamicModule, Module } from '@nestjs/common';

import { FailureAccountant } from './failure/failure-accountant';
import { JobMetrics } from './failure/job-metrics';
import { HealthServer } from './health/health-server';
import { NotifyProcessor } from './notify/notify.processor';
import { RealtimeEvents } from './notify/realtime-events';
import { DeliveryRetention } from './reconcile/delivery-retention';
import { ReconcileProcessor } from './reconcile/reconcile.processor';
import { BlogContextService } from './submit/blog-context.service';
import { SubmitProcessor } from './submit/submit.processor';
import { UploadProcessor } from './upload/upload.processor';

/** The worker: an application context (no HTTP api) that is the only consumer of the queues. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        loggingModule(createRootLogger(config, 'worker')),
        DatabaseModule.forRoot(),
        RedisModule,
        QueuesModule.forRoot('worker'),
        InfographsModule,
        FalModule,
        ScraperModule.forRoot({
          ...DEFAULT_SCRAPER_OPTIONS,
          allowPrivateHosts: config.scraper.allowPrivateHosts,
        }),
        StorageModule.forRoot(config.storage),
        NotificationsModule.forRoot({
          mailer: { smtpUrl: config.mail.smtpUrl, from: config.mail.from },
        }),
        ObservabilityModule,
      ],
      providers: [
        HealthServer,
        FailureAccountant,
        JobMetrics,
        RealtimeEvents,
        BlogContextService,
        SubmitProcessor,
        UploadProcessor,
        NotifyProcessor,
        ReconcileProcessor,
        DeliveryRetention,
      ],
    };
  }
}
