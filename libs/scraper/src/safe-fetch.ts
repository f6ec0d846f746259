import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';

import { Agent, request } from 'undici';

import { classifyAddress, describeAddressClass } from './address-classifier';
import { ScrapeError } from './scrape-error';

export interface ResolvedAddress {
  address: string;
  family: number;
}

export type HostResolver = (host: string) => Promise<ResolvedAddress[]>;

export interface SafeFetchOptions {
  /** Budget for the whole fetch: every DNS lookup, redirect hop and body byte. */
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  /** Media types (no parameters), compared case-insensitively, e.g. `text/html`. */
  allowedContentTypes: readonly string[];
  userAgent: string;
  /**
   * `host[:port]` entries exempt from the address check, for tests that serve pages from
   * 127.0.0.1. Never set in production: it is exactly the hole the check exists to close.
   */
  allowPrivateHosts?: readonly string[];
  /** Replaces the system resolver, so tests can hand out any address without DNS. */
  resolver?: HostResolver;
}

export interface SafeFetchResult {
  finalUrl: string;
  status: number;
  contentType: string;
  body: Buffer;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

const systemResolver: HostResolver = (host) => dnsLookup(host, { all: true });

/**
 * GETs a user-supplied URL without letting it reach anything but the public internet.
 *
 * Each hop resolves the host once, refuses if any address is not public, then connects through an
 * Agent whose `lookup` can only return those same addresses: no second DNS query happens between
 * the check and the connect, so a rebinding DNS server cannot swap in 127.0.0.1 afterwards.
 * Redirects are followed by hand so every hop gets the same treatment.
 */
export async function safeFetch(url: string, options: SafeFetchOptions): Promise<SafeFetchResult> {
  const controller = new AbortController();
  let target: URL | undefined;
  // Built when the deadline passes, so it names the host of the hop that was being waited on.
  const timer = setTimeout(
    () => controller.abort(timedOut(target?.hostname ?? shorten(url), options.timeoutMs)),
    options.timeoutMs,
  );
  try {
    target = parseTarget(url, undefined);
    for (let redirects = 0; ; redirects++) {
      const hop = await fetchHop(target, redirects > 0, options, controller.signal);
      if ('body' in hop) {
        return hop;
      }
      if (redirects >= options.maxRedirects) {
        throw new ScrapeError(
          'too_many_redirects',
          `The blog URL redirected more than ${options.maxRedirects} times; link directly to the article's final address.`,
        );
      }
      target = parseTarget(hop.location, target);
    }
  } catch (error) {
    if (error instanceof ScrapeError) {
      throw error;
    }
    throw controller.signal.aborted
      ? (controller.signal.reason as ScrapeError)
      : fromNetworkError(error, target?.hostname ?? shorten(url), options.timeoutMs);
  } finally {
    clearTimeout(timer);
  }
}

async function fetchHop(
  target: URL,
  redirected: boolean,
  options: SafeFetchOptions,
  signal: AbortSignal,
): Promise<SafeFetchResult | { location: string }> {
  const addresses = await resolvePublicAddresses(target, redirected, options, signal);
  // One Agent per hop: its connections can only ever reach the addresses checked above.
  const agent = new Agent({
    connect: { lookup: pinnedLookup(addresses), timeout: options.timeoutMs },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  try {
    const { statusCode, headers, body } = await request(target, {
      dispatcher: agent,
      method: 'GET',
      signal,
      headers: {
        'user-agent': options.userAgent,
        accept: 'text/html,application/xhtml+xml;q=0.9',
        // Ask for bytes as they are: undici's request() does not decompress, and counting
        // compressed bytes against maxBytes would let a small gzip bomb through.
        'accept-encoding': 'identity',
      },
    });
    try {
      if (REDIRECT_STATUSES.has(statusCode)) {
        const location = headerValue(headers['location']);
        if (!location) {
          throw new ScrapeError(
            'http_error',
            `The blog URL answered with a redirect (HTTP ${statusCode}) but no destination.`,
            { status: statusCode },
          );
        }
        return { location };
      }
      if (statusCode < 200 || statusCode > 299) {
        throw httpStatusError(statusCode);
      }
      const contentType = headerValue(headers['content-type']) ?? '';
      assertAllowedContentType(contentType, options.allowedContentTypes);
      // Refuse a declared oversize body without reading any of it; the streaming cap below still
      // covers servers that lie or send no length.
      const declared = Number(headerValue(headers['content-length']));
      if (Number.isFinite(declared) && declared > options.maxBytes) {
        throw tooLarge(options.maxBytes);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > options.maxBytes) {
          throw tooLarge(options.maxBytes);
        }
        chunks.push(chunk);
      }
      return {
        finalUrl: target.href,
        status: statusCode,
        contentType,
        body: Buffer.concat(chunks),
      };
    } finally {
      // Whatever was not read is not wanted: dropping it closes the connection mid-transfer.
      // undici reports that as an abort 'error' on the body, which nobody is listening for now.
      body.on('error', () => undefined);
      body.destroy();
    }
  } finally {
    await agent.destroy();
  }
}

function parseTarget(raw: string, base: URL | undefined): URL {
  let target: URL;
  try {
    target = new URL(raw, base);
  } catch {
    throw new ScrapeError(
      'bad_scheme',
      `"${shorten(raw)}" is not a valid web address; use a full http:// or https:// link.`,
    );
  }
  const where = base ? `redirects to ${shorten(target.href)}, which` : '';
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new ScrapeError(
      'bad_scheme',
      base
        ? `The blog URL ${where} is not an http:// or https:// address, so it was not followed.`
        : `The blog URL must start with http:// or https:// (got "${target.protocol}").`,
    );
  }
  if (target.username || target.password) {
    throw new ScrapeError(
      'blocked_url',
      base
        ? `The blog URL ${where} contains a user name or password, so it was not followed.`
        : 'The blog URL must not contain a user name or password; remove the "user:password@" part.',
    );
  }
  target.hash = '';
  return target;
}

async function resolvePublicAddresses(
  target: URL,
  redirected: boolean,
  options: SafeFetchOptions,
  signal: AbortSignal,
): Promise<ResolvedAddress[]> {
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const allowListed = isAllowListed(target, options.allowPrivateHosts);
  // The URL parser has already turned 2130706433, 0x7f.1 and 0177.0.0.1 into 127.0.0.1, so a
  // literal is checked in its canonical form and never reaches the resolver.
  const literalFamily = isIP(host);
  if (literalFamily !== 0) {
    if (!allowListed) {
      assertPublic(host, target, redirected, false);
    }
    return [{ address: host, family: literalFamily }];
  }
  let addresses: ResolvedAddress[];
  try {
    addresses = await abortable((options.resolver ?? systemResolver)(host), signal);
  } catch (error) {
    if (signal.aborted) {
      throw error;
    }
    throw dnsFailed(host, error);
  }
  if (addresses.length === 0) {
    throw dnsFailed(host, undefined);
  }
  if (!allowListed) {
    // Any bad address fails the host: the connect may pick any of them.
    for (const { address } of addresses) {
      assertPublic(address, target, redirected, true);
    }
  }
  return addresses;
}

function assertPublic(address: string, target: URL, redirected: boolean, resolved: boolean): void {
  const addressClass = classifyAddress(address);
  if (addressClass === 'public') {
    return;
  }
  const what = `${describeAddressClass(addressClass)} (${address})`;
  const subject = redirected
    ? `The blog URL redirects to ${shorten(target.href)}, which ${resolved ? 'resolves' : 'points'} to ${what}`
    : resolved
      ? `The blog URL's host ${target.hostname} resolves to ${what}`
      : `The blog URL points to ${what}`;
  throw new ScrapeError('blocked_url', `${subject}, which is not allowed.`);
}

function isAllowListed(target: URL, allowList: readonly string[] | undefined): boolean {
  if (!allowList || allowList.length === 0) {
    return false;
  }
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  const host = target.hostname.toLowerCase();
  return allowList.some((entry) => {
    const normalised = entry.trim().toLowerCase();
    return normalised === `${host}:${port}` || normalised === host;
  });
}

/** A `net` lookup that answers only with addresses already checked, never asking DNS again. */
function pinnedLookup(addresses: ResolvedAddress[]): LookupFunction {
  return (hostname, lookupOptions, callback) => {
    const wanted = familyNumber(lookupOptions.family);
    const candidates = addresses.filter((a) => wanted === 0 || a.family === wanted);
    if (candidates.length === 0) {
      const error = Object.assign(new Error(`No checked ${wanted} address for ${hostname}`), {
        code: 'ENOTFOUND',
      });
      callback(error, '', 0);
      return;
    }
    if (lookupOptions.all) {
      callback(null, candidates);
    } else {
      callback(null, candidates[0].address, candidates[0].family);
    }
  };
}

function familyNumber(family: number | string | undefined): number {
  if (family === 'IPv4' || family === 4) {
    return 4;
  }
  if (family === 'IPv6' || family === 6) {
    return 6;
  }
  return 0;
}

function assertAllowedContentType(contentType: string, allowed: readonly string[]): void {
  const mediaType = contentType.split(';')[0].trim().toLowerCase();
  if (!allowed.some((type) => type.toLowerCase() === mediaType)) {
    throw new ScrapeError(
      'not_html',
      `The blog URL returned ${mediaType ? `"${mediaType}"` : 'no content type'}, not an HTML page; link to the article's web page.`,
    );
  }
}

function httpStatusError(status: number): ScrapeError {
  if (status === 429) {
    return new ScrapeError(
      'http_error',
      'The blog server is rate-limiting requests (HTTP 429); try again later.',
      { status, permanent: false },
    );
  }
  if (status >= 500) {
    return new ScrapeError(
      'http_error',
      `The blog server had an error (HTTP ${status}); try again later.`,
      { status, permanent: false },
    );
  }
  const hint =
    status === 404 || status === 410
      ? 'check that the link is correct and the post still exists'
      : status === 401 || status === 403
        ? 'the post must be publicly readable without logging in'
        : 'check that the link opens in a browser';
  return new ScrapeError('http_error', `The blog URL returned HTTP ${status}; ${hint}.`, {
    status,
    permanent: true,
  });
}

// Connection-level failures that may well succeed on the next attempt.
const TRANSIENT_SOCKET_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);
const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

function fromNetworkError(error: unknown, host: string, timeoutMs: number): ScrapeError {
  const code = errorCode(error);
  if (TIMEOUT_CODES.has(code)) {
    return timedOut(host, timeoutMs, error);
  }
  if (TRANSIENT_SOCKET_CODES.has(code)) {
    return new ScrapeError(
      'http_error',
      `The connection to the blog server failed (${code}); it may be temporarily down.`,
      { permanent: false, cause: error },
    );
  }
  if (code.includes('CERT') || code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL')) {
    return new ScrapeError(
      'http_error',
      `The blog server's HTTPS certificate could not be verified (${code}).`,
      { permanent: true, cause: error },
    );
  }
  return new ScrapeError(
    'http_error',
    `The blog URL could not be fetched (${code || 'unknown error'}).`,
    { permanent: true, cause: error },
  );
}

/** Permanent, like every failed scrape (see ScrapeError): the user is refunded and told why. */
function timedOut(host: string, timeoutMs: number, cause?: unknown): ScrapeError {
  return new ScrapeError(
    'timeout',
    `The blog at ${host} did not answer within ${formatSeconds(timeoutMs)}; check that the link opens in a browser, or use another link.`,
    { permanent: true, cause },
  );
}

/**
 * Permanent in both cases. ENOTFOUND (no such name) never gets better. EAI_AGAIN means the
 * resolver did not get an answer: usually the blog's own DNS servers being down or misconfigured,
 * which outlasts our retry window; if our resolver is the one down, every scrape fails at once
 * (the `blog` failure class alerts on it) and users are refunded rather than kept waiting. The
 * message says which, so the user knows whether to fix the link or try again later.
 */
function dnsFailed(host: string, cause: unknown): ScrapeError {
  const message =
    errorCode(cause) === 'EAI_AGAIN'
      ? `The blog at ${host} could not be looked up: its name servers did not answer; try again later or use another link.`
      : `The blog at ${host} could not be found; check the address for typos.`;
  return new ScrapeError('dns_failed', message, { permanent: true, cause });
}

function tooLarge(maxBytes: number): ScrapeError {
  return new ScrapeError(
    'too_large',
    `The blog page is larger than ${formatBytes(maxBytes)}; link to a shorter page or the article itself.`,
  );
}

/** Settles with `promise`, or rejects with the abort reason as soon as `signal` fires. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(asError(signal.reason));
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(asError(error));
      },
    );
  });
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

function shorten(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MB`
    : `${Math.round(bytes / 1024)} KB`;
}
