/** Buying credits is switched off on this server (no Stripe keys). */
export class PurchasesDisabledError extends Error {
  constructor() {
    super('Buying credits is not enabled on this server.');
  }
}

/** The client asked for a pack that the configuration does not have. */
export class UnknownPackError extends Error {
  constructor(
    readonly packId: unknown,
    readonly known: string[],
  ) {
    super(
      `pack must be one of ${known.join(', ') || '(none configured)'}; got ${JSON.stringify(packId)}.`,
    );
  }
}

/**
 * Stripe did not make the Checkout Session. `transient`: it could not be reached, was rate
 * limited or failed on its side (try again shortly); otherwise it refused the request (our keys
 * or settings are wrong: an operator must look).
 */
export class PaymentProviderError extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
  ) {
    super(message);
  }
}
