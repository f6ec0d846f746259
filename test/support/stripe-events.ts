// Stripe's webhook events, as Stripe sends them: an `event` envelope around a snapshot of the
// object, signed the way Stripe signs (the SDK's own generateTestHeaderString: an HMAC-SHA256 of
// `<timestamp>.<body>` under the endpoint's whsec_ secret, in the Stripe-Signature header).
import { randomBytes } from 'node:crypto';

import Stripe from 'stripe';

import { StripeObject, stripeId } from './stripe-api-server';
import { httpRequest } from './test-app';

export const WEBHOOK_PATH = '/api/payments/stripe/webhook/';

/** A webhook signing secret of the shape Stripe hands out. */
export const newWebhookSecret = (): string => `whsec_${randomBytes(24).toString('base64')}`;

export function stripeEvent(type: string, object: StripeObject): StripeObject {
  return {
    id: stripeId('evt', 24),
    object: 'event',
    api_version: Stripe.API_VERSION,
    created: Math.floor(Date.now() / 1000),
    data: { object: structuredClone(object) },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  };
}

/** The body and headers of one delivery, signed with `secret` (`timestamp` in seconds). */
export function signedDelivery(
  event: StripeObject,
  secret: string,
  options: { timestamp?: number } = {},
): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(event, null, 2);
  const signature = Stripe.webhooks.generateTestHeaderString({
    payload: body,
    secret,
    timestamp: options.timestamp,
  });
  return {
    body,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
      'stripe-signature': signature,
    },
  };
}

/** Delivers a signed event to the api, as Stripe would. */
export function deliver(apiUrl: string, event: StripeObject, secret: string) {
  const { body, headers } = signedDelivery(event, secret);
  return httpRequest(apiUrl, 'POST', WEBHOOK_PATH, { body, headers });
}
