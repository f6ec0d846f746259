import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Every token starts with this, so leaked tokens are easy to recognise (and scan for). */
export const TOKEN_PREFIX = 'aig_';

/** A new random API token: 32 bytes of entropy, URL-safe. */
export function generateApiToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** Tokens are stored as SHA-256: enough for high-entropy secrets, and lookups stay indexed. */
export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time comparison of two hex hashes. */
export function hashesEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'hex');
  const bb = Buffer.from(b, 'hex');
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/**
 * Reads `Authorization: Token <t>` or `Bearer <t>`. Returns null when the header is absent;
 * throws a message a client can act on when it is malformed.
 */
export function parseAuthorizationHeader(header: string | undefined): string | null {
  if (header === undefined || header.trim() === '') {
    return null;
  }
  const match = /^(Token|Bearer)\s+(\S+)\s*$/i.exec(header.trim());
  if (!match) {
    throw new MalformedAuthorizationError();
  }
  return match[2];
}

export class MalformedAuthorizationError extends Error {
  constructor() {
    super('Malformed Authorization header: expected "Token <api token>" or "Bearer <api token>".');
  }
}
