import { AppConfig } from '@app/config';
import { CreditsModule } from '@app/credits';
import { Module } from '@nestjs/common';

import { CheckoutService } from './checkout.service';
import { PurchaseHistory } from './purchase-history';
import { PurchaseLedger } from './purchase-ledger.service';
import { STRIPE, createStripeClient } from './stripe-client';
import { StripeWebhookHandler } from './stripe-webhook.service';

@Module({
  imports: [CreditsModule],
  providers: [
    {
      provide: STRIPE,
      useFactory: (config: AppConfig) => createStripeClient(config.payments),
      inject: [AppConfig],
    },
    CheckoutService,
    PurchaseLedger,
    PurchaseHistory,
    StripeWebhookHandler,
  ],
  exports: [CheckoutService, PurchaseLedger, PurchaseHistory, StripeWebhookHandler],
})
export class PaymentsModule {}
