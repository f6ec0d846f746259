import type { AppConfig } from '@app/config';
import Stripe from 'stripe';

/** The Stripe SDK client, or null while purchases are off (no keys). */
export const STRIPE = Symbol('STRIPE');

/** Stripe's own request timeout is 80 s; a buyer waits on this call, so give up far sooner. */
const TIMEOUT_MS = 10_000;

/**
 * One SDK client per process, pointed at Stripe (or, in tests, at the stand-in that
 * `STRIPE_API_URL` names). The SDK retries network errors and 409/5xx answers itself, with the
 * idempotency key we pass, so a retried checkout never makes two sessions.
 */
export function createStripeClient(payments: AppConfig['payments']): Stripe | null {
  if (!payments.enabled || payments.secretKey === undefined) {
    return null;
  }
  return new Stripe(payments.secretKey, {
    maxNetworkRetries: 2,
    timeout: TIMEOUT_MS,
    telemetry: false,
    appInfo: { name: 'ainfographic' },
    ...(payments.apiUrl ?? {}),
  });
}
