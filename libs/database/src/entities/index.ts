import { ApiToken } from './api-token.entity';
import { CreditLedgerEntry } from './credit-ledger-entry.entity';
import { CreditPurchase } from './credit-purchase.entity';
import { CreditPurchaseReversal } from './credit-purchase-reversal.entity';
import { EmailToken } from './email-token.entity';
import { IdempotencyKey } from './idempotency-key.entity';
import { Infograph } from './infograph.entity';
import { User } from './user.entity';
import { FalWebhookDelivery } from './fal-webhook-delivery.entity';
import { WebhookAttempt } from './webhook-attempt.entity';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import { WebhookMessage } from './webhook-message.entity';
import { NotificationDelivery } from './notification-delivery.entity';
import { PushSubscription } from './push-subscription.entity';

export {
  ApiToken,
  CreditLedgerEntry,
  CreditPurchase,
  CreditPurchaseReversal,
  EmailToken,
  IdempotencyKey,
  Infograph,
  User,
  FalWebhookDelivery,
  WebhookAttempt,
  WebhookEndpoint,
  WebhookMessage,
  NotificationDelivery,
  PushSubscription,
};
export { PURCHASE_STATUSES, type PurchaseStatus } from './credit-purchase.entity';
export { REVERSAL_KINDS, type ReversalKind } from './credit-purchase-reversal.entity';
export {
  INFOGRAPH_STATUSES,
  type InfographStatus,
  TERMINAL_STATUSES,
  isTerminal,
} from './infograph-status';
export { INFOGRAPH_ERROR_CODES, type InfographErrorCode } from './infograph-error-code';
export { LEDGER_REASONS, type LedgerReason } from './credit-ledger-entry.entity';
export { FAL_WEBHOOK_OUTCOMES, type FalWebhookOutcome } from './fal-webhook-delivery.entity';
export { API_TOKEN_KINDS, type ApiTokenKind } from './api-token.entity';
export { EMAIL_TOKEN_PURPOSES, type EmailTokenPurpose } from './email-token.entity';
export { WEBHOOK_MESSAGE_STATUSES, type WebhookMessageStatus } from './webhook-message.entity';
export {
  NOTIFICATION_CHANNELS,
  NOTIFICATION_DELIVERY_STATES,
  type NotificationChannel,
  type NotificationDeliveryState,
} from './notification-delivery.entity';

export const ENTITIES = [
  User,
  ApiToken,
  CreditLedgerEntry,
  Infograph,
  IdempotencyKey,
  FalWebhookDelivery,
  EmailToken,
  CreditPurchase,
  CreditPurchaseReversal,
  WebhookEndpoint,
  WebhookMessage,
  WebhookAttempt,
  PushSubscription,
  NotificationDelivery,
];
