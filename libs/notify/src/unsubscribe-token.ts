import { createHmac, timingSafeEqual } from 'node:crypto';

/** What an unsubscribe link can turn off. */
export const UNSUBSCRIBE_CHANNELS = ['email', 'push'] as const;
export type UnsubscribeChannel = (typeof UNSUBSCRIBE_CHANNELS)[number];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * `<user id>.<channel>.<HMAC-SHA256, URL-safe base64>`: names who and what, and proves we made it,
 * so the link works without signing in and nobody can make one for someone else. It does not
 * expire: an unsubscribe link in an old e-mail must still work (RFC 8058 asks for that).
 */
export function signUnsubscribeToken(
  secret: string,
  userId: string,
  channel: UnsubscribeChannel,
): string {
  return `${userId}.${channel}.${mac(secret, userId, channel)}`;
}

/** Who and what the token names; null unless it is well-formed and ours. */
export function verifyUnsubscribeToken(
  secret: string,
  token: string,
): { userId: string; channel: UnsubscribeChannel } | null {
  const parts = token.split('.');
  if (parts.length !== 3) {
    return null;
  }
  const [userId, channel, signature] = parts;
  if (!UUID.test(userId) || !(UNSUBSCRIBE_CHANNELS as readonly string[]).includes(channel)) {
    return null;
  }
  const expected = Buffer.from(mac(secret, userId, channel));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return null;
  }
  return { userId, channel: channel as UnsubscribeChannel };
}

function mac(secret: string, userId: string, channel: string): string {
  return createHmac('sha256', secret)
    .update(`ainfographic-unsubscribe:v1:${userId}:${channel}`)
    .digest('base64url');
}
