import { AppConfig, ConfigModule } from '@app/config';
import {
  FAL_GATEWAY_OPTIONS,
  FalGateway,
  type FalGatewayOptions,
  FalWebhookVerifier,
} from '@app/fal';
import { DynamicModule, Module } from '@nestjs/common';

import { FalTrafficRecorder } from './fal-traffic-recorder';

/**
 * What `fal:smoke` needs: the product's own FalGateway and FalWebhookVerifier, the gateway's
 * fetch going through a recorder. No database, no queues: it touches nothing of ours.
 */
@Module({})
export class FalSmokeModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: FalSmokeModule,
      imports: [ConfigModule.forRoot(config)],
      providers: [
        { provide: FalTrafficRecorder, useFactory: () => new FalTrafficRecorder() },
        {
          provide: FAL_GATEWAY_OPTIONS,
          useFactory: (recorder: FalTrafficRecorder): FalGatewayOptions => ({
            fetch: recorder.fetch,
          }),
          inject: [FalTrafficRecorder],
        },
        FalGateway,
        FalWebhookVerifier,
      ],
    };
  }
}
