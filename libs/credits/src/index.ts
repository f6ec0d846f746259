export { CreditsModule } from './credits.module';
export {
  CreditsService,
  InsufficientCreditsError,
  NegativeBalanceError,
  UnknownUserError,
} from './credits.service';
export { checkLedger, type LedgerProblem } from './ledger-check';
