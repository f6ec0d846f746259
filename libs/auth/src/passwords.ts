import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * scrypt's cost: N = 2^15, r = 8, p = 1 needs 32 MiB and about 50–100 ms per hash, the figures
 * OWASP recommends for scrypt. Memory-hard, so guessing on GPUs costs what it costs here, and
 * built into Node (no native addon). Each stored hash names its own parameters, so raising them
 * later needs no migration: old hashes still verify, and are rehashed at the next sign-in.
 */
export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
}

export const CURRENT_SCRYPT_PARAMS: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };

const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** Refuse stored parameters that would take a server down (a tampered or corrupt row). */
const MAX_N = 2 ** 20;

/**
 * `scrypt$N=32768,r=8,p=1$<salt>$<hash>` (salt and hash in base64url): the algorithm, its
 * parameters, a per-password random salt and the derived key, all in one string.
 */
const FORMAT = /^scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

export async function hashPassword(
  password: string,
  params: ScryptParams = CURRENT_SCRYPT_PARAMS,
): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params, KEY_BYTES);
  return `scrypt$N=${params.N},r=${params.r},p=${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/**
 * Whether `password` is the one `stored` was made from, compared in constant time. A malformed
 * `stored` (or none) is never a match; the work is still done against a dummy hash, so that an
 * account without a password takes as long to refuse as a wrong password does.
 */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const parsed = stored === null ? null : parseHash(stored);
  if (!parsed) {
    await burnDummyHash(password);
    return false;
  }
  const key = await derive(password, parsed.salt, parsed.params, parsed.key.length);
  return timingSafeEqual(key, parsed.key);
}

/** True when `stored` was made with other parameters than today's: rehash it at sign-in. */
export function needsRehash(stored: string): boolean {
  const parsed = parseHash(stored);
  return (
    !parsed ||
    parsed.params.N !== CURRENT_SCRYPT_PARAMS.N ||
    parsed.params.r !== CURRENT_SCRYPT_PARAMS.r ||
    parsed.params.p !== CURRENT_SCRYPT_PARAMS.p
  );
}

/**
 * The same work as checking a real password: for a sign-in with an unknown e-mail, so that it
 * takes as long as a wrong password and its timing tells nothing about who has an account.
 */
export async function burnDummyHash(password: string): Promise<void> {
  await derive(password, DUMMY_SALT, CURRENT_SCRYPT_PARAMS, KEY_BYTES);
}

const DUMMY_SALT = randomBytes(SALT_BYTES);

function parseHash(stored: string): { params: ScryptParams; salt: Buffer; key: Buffer } | null {
  const match = FORMAT.exec(stored);
  if (!match) {
    return null;
  }
  const [N, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const salt = Buffer.from(match[4], 'base64url');
  const key = Buffer.from(match[5], 'base64url');
  const powerOfTwo = N > 1 && (N & (N - 1)) === 0;
  if (!powerOfTwo || N > MAX_N || r < 1 || r > 32 || p < 1 || p > 16 || key.length < 16) {
    return null;
  }
  return { params: { N, r, p }, salt, key };
}

function derive(
  password: string,
  salt: Buffer,
  { N, r, p }: ScryptParams,
  length: number,
): Promise<Buffer> {
  // scrypt needs 128 * N * r bytes; Node's default ceiling (32 MiB) is exactly today's need, so
  // leave room (twice the need) rather than fail on Node's rounding.
  const maxmem = 256 * N * r;
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, length, { N, r, p, maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}
