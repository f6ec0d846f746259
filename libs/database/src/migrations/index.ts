import { InitialSchema1764121800000 } from './1764121800000-initial-schema';
import { WebhookDeliveryRetention1796000000000 } from './1796000000000-webhook-delivery-retention';
import { LedgerAdjustments1796100000000 } from './1796100000000-ledger-adjustments';
import { FalWebhookDeliveries1796200000000 } from './1796200000000-fal-webhook-deliveries';
import { Accounts1796300000000 } from './1796300000000-accounts';
import { CreditPurchases1796400000000 } from './1796400000000-credit-purchases';
import { InfographErrorCode1796500000000 } from './1796500000000-infograph-error-code';
import { CustomerWebhooks1796600000000 } from './1796600000000-customer-webhooks';
import { WebhookMessagesPendingIndex1796650000000 } from './1796650000000-webhook-messages-pending-index';
import { Notifications1796700000000 } from './1796700000000-notifications';
import { InfographNotifiedAt1796730000000 } from './1796730000000-infograph-notified-at';
import { InfographFalQueuePosition1796800000000 } from './1796800000000-infograph-fal-queue-position';

// Listed explicitly (not globbed) so the same list works from TypeScript sources and compiled output.
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const MIGRATIONS: Function[] = [
  InitialSchema1764121800000,
  WebhookDeliveryRetention1796000000000,
  LedgerAdjustments1796100000000,
  FalWebhookDeliveries1796200000000,
  Accounts1796300000000,
  CreditPurchases1796400000000,
  InfographErrorCode1796500000000,
  CustomerWebhooks1796600000000,
  WebhookMessagesPendingIndex1796650000000,
  Notifications1796700000000,
  InfographNotifiedAt1796730000000,
  InfographFalQueuePosition1796800000000,
];
