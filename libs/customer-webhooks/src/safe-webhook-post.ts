import { lookup as dnsLookup } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';

import { classifyAddress } from '@app/scraper';
import { Agent, request } from 'undici';

export interface WebhookPostOptions {
  /** The whole attempt: DNS, connect, sending and the answer's headers. */
  timeoutMs: number;
  /** Tests only: http and non-public addresses (a receiver on loopback) are allowed. */
  allowInsecure: boolean;
  userAgent: string;
}

/** What one attempt came to: the endpoint's status, or why there was none. */
export interface WebhookPostResult {
  statusCode: number | null;
  durationMs: number;
  /** Null on a 2xx; else a short reason for the customer (never the response body). */
  error: string | null;
}

class BlockedAddressError extends Error {}

/**
 * POSTs one delivery to a customer's URL (or a Web Push message to a push service: libs/notify)
 * without letting it reach anything but the public internet (the address rules of libs/scraper).
 * The check is in the connection's own DNS lookup, so it holds for every connection actually
 * made, and the address checked is the one connected to (no rebinding between check and
 * connect). Redirects are not followed (a 3xx is a failure),
 * the body of the answer is never read, and the whole attempt is bounded by `timeoutMs`.
 */
export async function postWebhook(
  url: string,
  body: string | Uint8Array,
  headers: Record<string, string>,
  options: WebhookPostOptions,
): Promise<WebhookPostResult> {
  const started = Date.now();
  const elapsed = () => Date.now() - started;
  const target = new URL(url);
  const protocolOk =
    target.protocol === 'https:' || (options.allowInsecure && target.protocol === 'http:');
  if (!protocolOk) {
    return { statusCode: null, durationMs: 0, error: 'The URL is not https.' };
  }
  const host = target.hostname.replace(/^\[|\]$/g, '');
  // Node connects to a literal address without calling `lookup`: check it here.
  if (isIP(host) !== 0 && !options.allowInsecure && classifyAddress(host) !== 'public') {
    return { statusCode: null, durationMs: 0, error: blockedMessage(host) };
  }
  const agent = new Agent({
    connect: { lookup: publicOnlyLookup(options.allowInsecure), timeout: options.timeoutMs },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    // One attempt, one connection: nothing is reused past the check that allowed it.
    pipelining: 0,
  });
  try {
    const response = await request(target, {
      dispatcher: agent,
      method: 'POST',
      body,
      // JSON unless the caller says otherwise (a Web Push message is an encrypted octet stream).
      headers: {
        'content-type': 'application/json',
        ...headers,
        'user-agent': options.userAgent,
      },
      // undici's request() never follows redirects: a 3xx is the endpoint's answer.
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    // Only the status matters; the body is dropped unread (a huge or endless one costs nothing).
    response.body.on('error', () => undefined);
    response.body.destroy();
    const { statusCode } = response;
    const ok = statusCode >= 200 && statusCode <= 299;
    return {
      statusCode,
      durationMs: elapsed(),
      error: ok
        ? null
        : statusCode >= 300 && statusCode <= 399
          ? `The endpoint answered HTTP ${statusCode}; redirects are not followed.`
          : `The endpoint answered HTTP ${statusCode}.`,
    };
  } catch (error) {
    return { statusCode: null, durationMs: elapsed(), error: describeNetworkError(error, options) };
  } finally {
    await agent.destroy().catch(() => undefined);
  }
}

/** A `lookup` for the connection that fails unless every address the name has is public. */
function publicOnlyLookup(allowInsecure: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { all: true }, (error, addresses) => {
      if (error) {
        callback(error, '', 0);
        return;
      }
      const blocked = allowInsecure
        ? undefined
        : addresses.find(({ address }) => classifyAddress(address) !== 'public');
      if (blocked) {
        callback(new BlockedAddressError(blockedMessage(blocked.address)), '', 0);
        return;
      }
      if (options.all) {
        (callback as unknown as (e: null, all: typeof addresses) => void)(null, addresses);
      } else {
        callback(null, addresses[0].address, addresses[0].family);
      }
    });
  };
}

function blockedMessage(address: string): string {
  return `The URL's host resolves to ${address}, which is not a public internet address.`;
}

function describeNetworkError(error: unknown, options: WebhookPostOptions): string {
  const causes: unknown[] = [error, (error as { cause?: unknown })?.cause];
  const blocked = causes.find((e): e is BlockedAddressError => e instanceof BlockedAddressError);
  if (blocked) {
    return blocked.message;
  }
  const code = causes
    .map((e) => (e as { code?: string } | undefined)?.code)
    .find((c) => typeof c === 'string');
  const name = causes.map((e) => (e as Error | undefined)?.name).find(Boolean);
  if (
    name === 'TimeoutError' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT'
  ) {
    return `No answer within ${options.timeoutMs} ms.`;
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return 'The URL’s host name could not be resolved.';
  }
  if (code === 'ECONNREFUSED') {
    return 'The connection was refused.';
  }
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') {
    return 'The connection was closed before an answer.';
  }
  if (typeof code === 'string' && /CERT|SSL|TLS/.test(code)) {
    return `The TLS handshake failed (${code}).`;
  }
  return `The delivery failed (${code ?? name ?? 'network error'}).`;
}
