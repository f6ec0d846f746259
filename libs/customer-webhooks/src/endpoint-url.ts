import { isIP } from 'node:net';

import { classifyAddress } from '@app/scraper';

export const MAX_ENDPOINT_URL_LENGTH = 2048;

/** Why a URL cannot be an endpoint, in words for the customer; null when it can. */
export function endpointUrlProblem(raw: string, allowInsecure: boolean): string | null {
  if (raw.length > MAX_ENDPOINT_URL_LENGTH) {
    return `url must be at most ${MAX_ENDPOINT_URL_LENGTH} characters.`;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'url must be a full https:// address.';
  }
  if (url.href.length > MAX_ENDPOINT_URL_LENGTH) {
    // Stored as the parser writes it, where each control character takes three.
    return `url must be at most ${MAX_ENDPOINT_URL_LENGTH} characters once percent-encoded.`;
  }
  if (url.protocol !== 'https:' && !(allowInsecure && url.protocol === 'http:')) {
    return 'url must start with https:// (deliveries carry signed data and go over TLS only).';
  }
  if (url.username || url.password) {
    return 'url must not contain a user name or password; authenticate deliveries by their signature.';
  }
  if (url.hash) {
    return 'url must not contain a #fragment.';
  }
  if (allowInsecure) {
    return null;
  }
  // Host names are checked again on every connection (their addresses can change); a literal
  // address or localhost can be refused now, where the customer sees why.
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) {
    return 'url must be reachable from the internet, not localhost.';
  }
  if (isIP(host) !== 0 && classifyAddress(host) !== 'public') {
    return `url points to ${host}, which is not a public internet address.`;
  }
  return null;
}
