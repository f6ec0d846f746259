import { isIP } from 'node:net';

import { classifyAddress } from '@app/scraper';

export const MAX_PUSH_ENDPOINT_LENGTH = 2048;

/**
 * Why a subscription's endpoint cannot be POSTed to, in words for the client; null when it can.
 * The endpoint comes from the browser, i.e. from whoever calls the api, and we POST to it: so it
 * must be https on a public address like a customer's webhook URL (the address is checked again
 * on every connection: libs/customer-webhooks `postWebhook`). `allowInsecure` is for tests only.
 */
export function pushEndpointProblem(raw: string, allowInsecure: boolean): string | null {
  if (raw.length > MAX_PUSH_ENDPOINT_LENGTH) {
    return `endpoint must be at most ${MAX_PUSH_ENDPOINT_LENGTH} characters.`;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'endpoint must be a full https:// address (PushSubscription.endpoint).';
  }
  if (url.protocol !== 'https:' && !(allowInsecure && url.protocol === 'http:')) {
    return 'endpoint must start with https:// (push services are reached over TLS only).';
  }
  if (url.username || url.password || url.hash) {
    return 'endpoint must not contain a user name, password or #fragment.';
  }
  if (allowInsecure) {
    return null;
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) {
    return 'endpoint must be on the internet, not localhost.';
  }
  if (isIP(host) !== 0 && classifyAddress(host) !== 'public') {
    return `endpoint points to ${host}, which is not a public internet address.`;
  }
  return null;
}
