import { ApiToken } from './api-token.entity';
import { CreditLedgerEntry } from './credit-ledger-entry.entity';
import { IdempotencyKey } from './idempotency-key.entity';
import { Infograph } from './infograph.entity';
import { User } from './user.entity';
import { FalWebhookDelivery } from './fal-webhook-delivery.entity';

export { ApiToken, CreditLedgerEntry, IdempotencyKey, Infograph, User, FalWebhookDelivery };
export {
  INFOGRAPH_STATUSES,
  type InfographStatus,
  TERMINAL_STATUSES,
  isTerminal,
} from './infograph-status';
export { LEDGER_REASONS, type LedgerReason } from './credit-ledger-entry.entity';
export { FAL_WEBHOOK_OUTCOMES, type FalWebhookOutcome } from './fal-webhook-delivery.entity';

export const ENTITIES = [
  User,
  ApiToken,
  CreditLedgerEntry,
  Infograph,
  IdempotencyKey,
  FalWebhookDelivery,
];
