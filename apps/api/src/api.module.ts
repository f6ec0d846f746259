import { ApiTokenGuard, AuthModule } from '@app/auth';
import { AppConfig, ConfigModule } from '@app/config';
import { CreditsModule } from '@app/credits';
import { DatabaseModule } from '@app/database';
import { ObservabilityModule } from '@app/observability';
import { RedisModule } from '@app/queues';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';

import { CreditsController } from './credits/credits.controller';
import { HttpExceptionFilter } from './http/http-exception.filter';
import { MeController } from './me/me.controller';
import { HealthController } from './ops/health.controller';

@Module({})
export class ApiModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot(),
        RedisModule,
        AuthModule,
        CreditsModule,
        ObservabilityModule,
      ],
      controllers: [MeController, CreditsController, HealthController],
      providers: [
        { provide: APP_GUARD, useExisting: ApiTokenGuard },
        { provide: APP_FILTER, useClass: HttpExceptionFilter },
      ],
    };
  }
}
