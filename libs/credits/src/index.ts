export { CreditsModule } from './credits.module';
export {
  CreditsService,
  InsufficientCreditsError,
  NegativeBalanceError,
  UnknownUserError,
} from './credits.service';
export {
  creditsUpdatedEvent,
  readCreditsUpdatedEvent,
  type CreditsUpdatedEvent,
} from './credits-updated-event';
export { checkLedger, type LedgerProblem } from './ledger-check';
