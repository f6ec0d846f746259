import { Module } from '@nestjs/common';

import { FalGateway } from './fal.gateway';
import { FalWebhookUrls } from './fal-webhook-url';
import { FalWebhookVerifier } from './fal-webhook.verifier';

/** fal's gateway, webhook verifier and webhook URLs; `AppConfig` comes from the global ConfigModule. */
@Module({
  providers: [FalGateway, FalWebhookVerifier, FalWebhookUrls],
  exports: [FalGateway, FalWebhookVerifier, FalWebhookUrls],
})
export class FalModule {}
