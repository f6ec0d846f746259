import { ApiTokenGuard, AuthModule, TokenRevocationListener } from '@app/auth';
import { AppConfig, ConfigModule } from '@app/config';
import { CreditsModule } from '@app/credits';
import { DatabaseModule } from '@app/database';
import { FalModule } from '@app/fal';
import { RealtimeEventsModule } from '@app/notifications';
import { CustomerWebhooksModule } from '@app/customer-webhooks';
import { InfographsModule } from '@app/infographs';
import { PipelineModule } from '@app/pipeline';
import { ObservabilityModule, loggingModule } from '@app/observability';
import { PaymentsModule } from '@app/payments';
import { QueuesModule } from '@app/queues';
import { RedisModule } from '@app/redis';
import { StorageModule } from '@app/storage';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import type { Logger } from 'pino';

import { AccountsModule } from './accounts/accounts.module';
import { CreditsController } from './credits/credits.controller';
import { FilesController } from './files/files.controller';
import { InfographLifecycle } from './infographs/infograph-lifecycle.service';
import { InfographsController } from './infographs/infographs.controller';
import { ProgressEstimates } from './infographs/progress-estimate';
import { FalWebhookController } from './fal-webhook/fal-webhook.controller';
import { FalDeliveryRecords } from './fal-webhook/delivery-records';
import { FalWebhookService } from './fal-webhook/fal-webhook.service';
import { HttpExceptionFilter } from './http/http-exception.filter';
import { MeController } from './me/me.controller';
import { NotificationsApiModule } from './notifications/notifications-api.module';
import { BalanceEvents } from './payments/balance-events';
import { PurchasesController } from './payments/purchases.controller';
import { StripeWebhookController } from './payments/stripe-webhook.controller';
import { HealthController } from './ops/health.controller';
import { MetricsController } from './ops/metrics.controller';
import { AdminLoginThrottle } from './ops/admin-login-throttle';
import { QueueDashboard } from './ops/queue-dashboard';
import { RealtimeModule } from './realtime/realtime.module';
import { WebModule } from './web/web.module';
import { CreditsLowAlert } from './webhook-endpoints/credits-low-alert';
import { WebhookEndpointsController } from './webhook-endpoints/webhook-endpoints.controller';

@Module({})
export class ApiModule {
  /** `rootLogger`: the pino logger Fastify also writes to (see `createApiApp`). */
  static forRoot(config: AppConfig, rootLogger: Logger): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(config),
        loggingModule(rootLogger),
        DatabaseModule.forRoot(),
        RedisModule,
        AuthModule,
        CreditsModule,
        PaymentsModule,
        InfographsModule,
        PipelineModule,
        QueuesModule.forRoot('producer'),
        FalModule,
        StorageModule.forRoot(config.storage),
        RealtimeModule,
        RealtimeEventsModule,
        AccountsModule.forRoot(config),
        WebModule,
        CustomerWebhooksModule,
        NotificationsApiModule,
        ObservabilityModule,
      ],
      controllers: [
        MeController,
        CreditsController,
        PurchasesController,
        StripeWebhookController,
        HealthController,
        InfographsController,
        FalWebhookController,
        FilesController,
        MetricsController,
        WebhookEndpointsController,
      ],
      providers: [
        FalWebhookService,
        FalDeliveryRecords,
        BalanceEvents,
        InfographLifecycle,
        ProgressEstimates,
        CreditsLowAlert,
        TokenRevocationListener,
        QueueDashboard,
        AdminLoginThrottle,
        { provide: APP_GUARD, useExisting: ApiTokenGuard },
        { provide: APP_FILTER, useClass: HttpExceptionFilter },
      ],
    };
  }
}
