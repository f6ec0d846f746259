import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  KeyObject,
  sign,
} from 'node:crypto';

/** DER prefix of a PKCS#8 Ed25519 private key; the 32-byte seed follows it. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface Jwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
}

export interface SignedHeaders {
  'x-fal-webhook-request-id': string;
  'x-fal-webhook-user-id': string;
  'x-fal-webhook-timestamp': string;
  'x-fal-webhook-signature': string;
}

/**
 * Accepts a 64-hex-digit seed or a PKCS#8 PEM. A fixed key lets a restarted fal-sim keep
 * verifying against receivers that cached its JWKS.
 */
export function parsePrivateKey(text: string): KeyObject {
  const trimmed = text.trim();
  if (/^[0-9a-f]{64}$/i.test(trimmed)) {
    return privateKeyFromSeed(Buffer.from(trimmed, 'hex'));
  }
  const key = createPrivateKey(trimmed);
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new Error('FAL_SIM_PRIVATE_KEY must be an Ed25519 key');
  }
  return key;
}

export function privateKeyFromSeed(seed: Buffer): KeyObject {
  return createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, seed.subarray(0, 32)]),
    format: 'der',
    type: 'pkcs8',
  });
}

function toJwk(key: KeyObject): Jwk {
  const { x } = createPublicKey(key).export({ format: 'jwk' });
  if (typeof x !== 'string') {
    throw new Error('not an Ed25519 key');
  }
  const kid = createHash('sha256').update(x).digest('hex').slice(0, 16);
  return { kty: 'OKP', crv: 'Ed25519', x, kid };
}

/**
 * Signs deliveries exactly as fal.ai does. Rotation keeps the previous public key in the JWKS,
 * like a real rotation, so receivers can exercise their refetch-on-miss path.
 */
export class WebhookSigner {
  private current: KeyObject;
  private published: Jwk[];

  constructor(
    readonly userId: string,
    privateKey?: KeyObject,
  ) {
    this.current = privateKey ?? generateKeyPairSync('ed25519').privateKey;
    this.published = [toJwk(this.current)];
  }

  /** `bare`: each key as only its `x`, all fal's own sample verifier reads (and all fal promises). */
  jwks(): { keys: Jwk[] };
  jwks(options: { bare: boolean }): { keys: Array<Jwk | Pick<Jwk, 'x'>> };
  jwks({ bare = false }: { bare?: boolean } = {}): { keys: Array<Jwk | Pick<Jwk, 'x'>> } {
    return { keys: this.published.map((jwk) => (bare ? { x: jwk.x } : jwk)) };
  }

  rotate(): Jwk {
    this.current = generateKeyPairSync('ed25519').privateKey;
    const jwk = toJwk(this.current);
    this.published = [jwk, this.published[0]];
    return jwk;
  }

  sign(requestId: string, rawBody: Buffer, timestampSeconds: number): SignedHeaders {
    const bodyHash = createHash('sha256').update(rawBody).digest('hex');
    const message = `${requestId}\n${this.userId}\n${timestampSeconds}\n${bodyHash}`;
    return {
      'x-fal-webhook-request-id': requestId,
      'x-fal-webhook-user-id': this.userId,
      'x-fal-webhook-timestamp': String(timestampSeconds),
      'x-fal-webhook-signature': sign(null, Buffer.from(message), this.current).toString('hex'),
    };
  }
}
