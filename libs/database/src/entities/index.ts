import { ApiToken } from './api-token.entity';
import { CreditLedgerEntry } from './credit-ledger-entry.entity';
import { IdempotencyKey } from './idempotency-key.entity';
import { Infograph } from './infograph.entity';
import { User } from './user.entity';
import { WebhookDelivery } from './webhook-delivery.entity';

export { ApiToken, CreditLedgerEntry, IdempotencyKey, Infograph, User, WebhookDelivery };
export { INFOGRAPH_STATUSES, type InfographStatus } from './infograph.entity';
export { LEDGER_REASONS, type LedgerReason } from './credit-ledger-entry.entity';
export { WEBHOOK_OUTCOMES, type WebhookOutcome } from './webhook-delivery.entity';

export const ENTITIES = [
  User,
  ApiToken,
  CreditLedgerEntry,
  Infograph,
  IdempotencyKey,
  WebhookDelivery,
];
