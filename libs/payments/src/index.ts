export { PaymentsModule } from './payments.module';
export { CheckoutService, type StartedCheckout } from './checkout.service';
export { PurchaseHistory, type PurchaseWithEntries } from './purchase-history';
export { PurchaseLedger } from './purchase-ledger.service';
export {
  StripeSignatureError,
  StripeWebhookHandler,
  type StripeWebhookOutcome,
  type StripeWebhookResult,
} from './stripe-webhook.service';
export { PaymentProviderError, PurchasesDisabledError, UnknownPackError } from './payments.errors';
export { creditsToReverse } from './reversal-policy';
