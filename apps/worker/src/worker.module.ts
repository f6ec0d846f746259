import { AppConfig, ConfigModule } from '@app/config';
import { CustomerWebhooksModule } from '@app/customer-webhooks';
import { DatabaseModule } from '@app/database';
import { FalModule } from '@app/fal';
import { InfographsModule } from '@app/infographs';
import { NotificationsModule } from '@app/notifications';
import { NotifyModule } from '@app/notify';
import { ObservabilityModule, createRootLogger, loggingModule } from '@app/observability';
import { PipelineModule } from '@app/pipeline';
import { QueuesModule } from '@app/queues';
import { RedisModule } from '@app/redis';
import { DEFAULT_SCRAPER_OPTIONS, ScraperModule } from '@app/scraper';
import { StorageModule } from '@app/storage';
import { DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import type { DestinationStream } from 'pino';

import { FalCancelProcessor } from './cancel/fal-cancel.processor';
import { WebhookDeliveryProcessor } from './customer-webhooks/webhook-delivery.processor';
import { BreakerStore } from './fal-breaker/breaker-store';
import { FalCircuitBreaker } from './fal-breaker/fal-circuit-breaker';
import { RedisBreakerStore } from './fal-breaker/redis-breaker-store';
import { FalConfirmation } from './fal-confirmation/fal-confirmation';
import { FailureAccountant } from './failure/failure-accountant';
import { JobMetrics } from './failure/job-metrics';
import { HealthServer } from './health/health-server';
import { NotifyProcessor } from './notify/notify.processor';
import { Processors } from './processors';
import { EmailNotice } from './notify/email-notice';
import { PushNotices } from './notify/push-notices';
import { RealtimeEvents } from './notify/realtime-events';
import { DeliveryRetention } from './reconcile/delivery-retention';
import { FalSlotTending } from './reconcile/fal-slot-tending';
import { ReconcileScheduler } from './reconcile/reconcile-scheduler';
import { ReconcileProcessor } from './reconcile/reconcile.processor';
import { BlogContextService } from './submit/blog-context.service';
import { FalOutageHold } from './submit/fal-outage-hold';
import { FalSlotWait } from './submit/fal-slot-wait';
import { SubmitProcessor } from './submit/submit.processor';
import { ImageCopier } from './upload/image-copier';
import { UploadProcessor } from './upload/upload.processor';

/** The worker: an application context (no HTTP api) that is the only consumer of the queues. */
@Module({})
export class WorkerModule {
  /** `logDestination` (stdout when absent) lets tests read the log lines. */
  static forRoot(
    config: AppConfig,
    options: { logDestination?: DestinationStream } = {},
  ): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        loggingModule(createRootLogger(config, 'worker', options.logDestination)),
        DatabaseModule.forRoot(),
        RedisModule,
        QueuesModule.forRoot('worker'),
        InfographsModule,
        PipelineModule,
        FalModule,
        ScraperModule.forRoot({
          ...DEFAULT_SCRAPER_OPTIONS,
          allowPrivateHosts: config.scraper.allowPrivateHosts,
        }),
        StorageModule.forRoot(config.storage),
        NotificationsModule.forRoot({
          mailer: { smtpUrl: config.mail.smtpUrl, from: config.mail.from },
        }),
        CustomerWebhooksModule,
        NotifyModule,
        ObservabilityModule,
        DiscoveryModule,
      ],
      providers: [
        // First, so its start-up check runs before the other providers' bootstrap hooks.
        Processors,
        HealthServer,
        FailureAccountant,
        FalConfirmation,
        FalCircuitBreaker,
        { provide: BreakerStore, useClass: RedisBreakerStore },
        FalOutageHold,
        FalSlotWait,
        JobMetrics,
        RealtimeEvents,
        BlogContextService,
        SubmitProcessor,
        UploadProcessor,
        ImageCopier,
        NotifyProcessor,
        PushNotices,
        EmailNotice,
        FalCancelProcessor,
        WebhookDeliveryProcessor,
        ReconcileProcessor,
        ReconcileScheduler,
        DeliveryRetention,
        FalSlotTending,
      ],
    };
  }
}
