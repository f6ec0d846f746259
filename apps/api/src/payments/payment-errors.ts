import {
  PaymentProviderError,
  PurchasesDisabledError,
  StripeSignatureError,
  UnknownPackError,
} from '@app/payments';
import {
  BadGatewayException,
  BadRequestException,
  Logger,
  ServiceUnavailableException,
} from '@nestjs/common';

const logger = new Logger('Payments');

/**
 * The answer for what libs/payments refused, each with a stable `code` clients can branch on;
 * anything else (a store outage: 503, a bug: 500) is left to the exception filter.
 */
export function paymentsHttpError(error: unknown): unknown {
  if (error instanceof PurchasesDisabledError) {
    return new ServiceUnavailableException({ message: error.message, code: 'purchases_disabled' });
  }
  if (error instanceof UnknownPackError) {
    return new BadRequestException({ message: error.message, code: 'unknown_pack' });
  }
  if (error instanceof StripeSignatureError) {
    return new BadRequestException({ message: error.message, code: 'invalid_signature' });
  }
  if (error instanceof PaymentProviderError) {
    if (error.transient) {
      logger.warn(`checkout not started: ${error.message}`);
      return new ServiceUnavailableException({
        message: 'The payment provider is unavailable right now; please try again shortly.',
        code: 'payment_provider_unavailable',
      });
    }
    // Our keys or settings, not the buyer: say so to the operator, not the details to the client.
    logger.error(`checkout refused by Stripe: ${error.message}`);
    return new BadGatewayException({
      message: 'The payment provider refused to start the checkout; please try again later.',
      code: 'payment_provider_error',
    });
  }
  return error;
}
