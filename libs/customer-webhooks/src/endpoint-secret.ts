import { randomBytes, randomUUID } from 'node:crypto';

import { Webhook } from 'standardwebhooks';

const SECRET_PREFIX = 'whsec_';

/** A new signing secret: `whsec_` and the base64 of 24 random bytes (the Standard Webhooks form). */
export function newEndpointSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(24).toString('base64')}`;
}

/** A webhook message id (`webhook-id`): `msg_` and 32 hex digits. */
export function newMessageId(): string {
  return `msg_${randomUUID().replace(/-/g, '')}`;
}

/** The three Standard Webhooks headers of one attempt. */
export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * Signs one attempt with the `standardwebhooks` package: with every secret given (the current one,
 * and the previous one during a rotation's overlap), space-separated, so a receiver holding either
 * verifies it. The timestamp is the attempt's own (receivers refuse old ones).
 */
export function signDelivery(
  messageId: string,
  body: string,
  secrets: readonly string[],
  at = new Date(),
): SignedHeaders {
  const signatures = secrets.map((secret) => new Webhook(secret).sign(messageId, at, body));
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}
