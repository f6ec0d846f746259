import { Module } from '@nestjs/common';

import { FalGateway } from './fal.gateway';
import { FalWebhookVerifier } from './fal-webhook.verifier';

/** fal's gateway and webhook verifier; `AppConfig` comes from the global ConfigModule. */
@Module({
  providers: [FalGateway, FalWebhookVerifier],
  exports: [FalGateway, FalWebhookVerifier],
})
export class FalModule {}
