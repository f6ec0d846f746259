import { createHash, generateKeyPairSync, KeyObject, sign } from 'node:crypto';

import { DEV_FAL_WEBHOOK_SECRET } from '@app/config';
import { webhookToken } from '@app/fal';

import { privateKeyFromSeed } from '../../apps/fal-sim/src/webhook-signer';

export { privateKeyFromSeed };

/** A fresh Ed25519 key that no JWKS lists: signatures from "another key". */
export function strangerKey(): KeyObject {
  return generateKeyPairSync('ed25519').privateKey;
}

/**
 * fal's webhook headers for `body`, signed with `key` the way fal (and fal-sim) sign:
 * hex ED25519 over `request_id \n user_id \n timestamp \n hex(sha256(body))`.
 */
export function signedWebhookHeaders(
  key: KeyObject,
  requestId: string,
  body: string | Buffer,
  options: { userId?: string; timestamp?: number } = {},
): Record<string, string> {
  const userId = options.userId ?? 'fal-sim-user';
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const bodyHash = createHash('sha256').update(body).digest('hex');
  const signature = sign(
    null,
    Buffer.from(`${requestId}\n${userId}\n${timestamp}\n${bodyHash}`),
    key,
  ).toString('hex');
  return {
    'content-type': 'application/json',
    'x-fal-webhook-request-id': requestId,
    'x-fal-webhook-user-id': userId,
    'x-fal-webhook-timestamp': timestamp,
    'x-fal-webhook-signature': signature,
  };
}

/**
 * The path of `infographId`'s webhook with the token our worker puts in the URL it gives fal
 * (under the development secret the tests run with): what fal itself would post to.
 */
export function issuedWebhookPath(infographId: string, secret = DEV_FAL_WEBHOOK_SECRET): string {
  return `/api/infographs/webhook/${infographId}/?token=${webhookToken(secret, infographId)}`;
}

/** fal's webhook headers, well-formed, with a signature no key made: what a forger sends. */
export function forgedWebhookHeaders(requestId: string): Record<string, string> {
  return {
    'x-fal-webhook-request-id': requestId,
    'x-fal-webhook-user-id': 'mallory',
    'x-fal-webhook-timestamp': String(Math.floor(Date.now() / 1000)),
    'x-fal-webhook-signature': 'ab'.repeat(64),
  };
}
