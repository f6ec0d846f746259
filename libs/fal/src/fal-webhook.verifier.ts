import { createHash, createPublicKey, KeyObject, verify } from 'node:crypto';

import { Inject, Injectable, Optional } from '@nestjs/common';

import { AppConfig } from '@app/config';

import { WebhookSignatureError } from './webhook-signature.error';

export const FAL_WEBHOOK_VERIFIER_OPTIONS = Symbol('FAL_WEBHOOK_VERIFIER_OPTIONS');

export interface FalWebhookVerifierOptions {
  /** Milliseconds since the epoch; injectable so tests can move the clock. */
  now?: () => number;
  fetch?: typeof fetch;
  /** How long fetched keys are trusted without asking again (default 24 h). */
  cacheTtlMs?: number;
  /** At most one JWKS fetch per this interval, so forged webhooks cannot hammer fal (30 s). */
  minFetchIntervalMs?: number;
  /** Allowed clock difference either way (default 300 s, as fal documents). */
  toleranceSeconds?: number;
  jwksTimeoutMs?: number;
}

export interface FalWebhookIdentity {
  requestId: string;
  userId: string;
  /** Unix seconds, as signed. */
  timestamp: number;
}

export interface FalWebhookDelivery {
  /** The body exactly as received: the signature covers these bytes, not re-serialised JSON. */
  rawBody: Buffer;
  headers: Record<string, string | string[] | undefined>;
}

const HEADERS = {
  requestId: 'x-fal-webhook-request-id',
  userId: 'x-fal-webhook-user-id',
  timestamp: 'x-fal-webhook-timestamp',
  signature: 'x-fal-webhook-signature',
} as const;

function header(headers: FalWebhookDelivery['headers'], name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : headers[key];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first.trim() === '' ? undefined : first.trim();
}

/**
 * Checks fal's ED25519 webhook signature against the keys in `config.fal.jwksUrl`. It does not
 * look at `config.fal.verifyWebhooks`: whether to verify at all is the caller's decision.
 */
@Injectable()
export class FalWebhookVerifier {
  private keys: KeyObject[] = [];
  private fetchedAt?: number;
  private lastFetchStartedAt?: number;
  private lastFetchError?: string;
  private inflight?: Promise<void>;
  private readonly now: () => number;
  private readonly fetch: typeof fetch;
  private readonly cacheTtlMs: number;
  private readonly minFetchIntervalMs: number;
  private readonly toleranceSeconds: number;
  private readonly jwksTimeoutMs: number;

  constructor(
    private readonly config: AppConfig,
    @Optional() @Inject(FAL_WEBHOOK_VERIFIER_OPTIONS) options: FalWebhookVerifierOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.cacheTtlMs = options.cacheTtlMs ?? 24 * 60 * 60 * 1000;
    this.minFetchIntervalMs = options.minFetchIntervalMs ?? 30_000;
    this.toleranceSeconds = options.toleranceSeconds ?? 300;
    this.jwksTimeoutMs = options.jwksTimeoutMs ?? 5_000;
  }

  async verify({ rawBody, headers }: FalWebhookDelivery): Promise<FalWebhookIdentity> {
    const values = {
      requestId: header(headers, HEADERS.requestId),
      userId: header(headers, HEADERS.userId),
      timestamp: header(headers, HEADERS.timestamp),
      signature: header(headers, HEADERS.signature),
    };
    for (const [field, value] of Object.entries(values)) {
      if (value === undefined) {
        const name = HEADERS[field as keyof typeof HEADERS];
        throw new WebhookSignatureError('missing_header', `missing ${name} header`);
      }
    }
    const { requestId, userId, timestamp, signature } = values as Record<
      keyof typeof values,
      string
    >;

    if (!/^\d{1,12}$/.test(timestamp)) {
      throw new WebhookSignatureError('invalid_header', `${HEADERS.timestamp} is not unix seconds`);
    }
    const skew = Math.abs(this.now() / 1000 - Number(timestamp));
    if (skew > this.toleranceSeconds) {
      throw new WebhookSignatureError(
        'stale_timestamp',
        `timestamp is ${Math.round(skew)} s away from now (allowed ${this.toleranceSeconds} s)`,
      );
    }
    const pinned = this.config.fal.webhookUserId;
    if (pinned !== undefined && userId !== pinned) {
      throw new WebhookSignatureError('unexpected_user', `user id ${userId} is not the pinned one`);
    }
    if (!/^[0-9a-f]{128}$/i.test(signature)) {
      throw new WebhookSignatureError('invalid_header', `${HEADERS.signature} is not 64 hex bytes`);
    }

    const bodyHash = createHash('sha256').update(rawBody).digest('hex');
    const message = Buffer.from(`${requestId}\n${userId}\n${timestamp}\n${bodyHash}`);
    const signatureBytes = Buffer.from(signature, 'hex');
    const matches = () => this.keys.some((key) => verify(null, message, key, signatureBytes));

    await this.refreshKeys(false);
    if (this.keys.length === 0) {
      throw new WebhookSignatureError(
        'keys_unavailable',
        `no fal webhook keys available from ${this.config.fal.jwksUrl}: ${this.lastFetchError ?? 'empty JWKS'}`,
      );
    }
    // A miss may mean fal rotated its key: refetch once (rate-limited) before rejecting.
    if (matches() || ((await this.refreshKeys(true)) && matches())) {
      return { requestId, userId, timestamp: Number(timestamp) };
    }
    throw new WebhookSignatureError(
      'bad_signature',
      'no known fal key verifies this signature (tampered body, wrong or unknown key)',
    );
  }

  /** Fetches the JWKS when forced or stale, at most once per interval; true if it fetched. */
  private async refreshKeys(force: boolean): Promise<boolean> {
    if (this.inflight) {
      await this.inflight;
      return true;
    }
    const now = this.now();
    const fresh = this.fetchedAt !== undefined && now - this.fetchedAt < this.cacheTtlMs;
    if (fresh && !force) {
      return false;
    }
    const limited =
      this.lastFetchStartedAt !== undefined &&
      now - this.lastFetchStartedAt < this.minFetchIntervalMs;
    if (limited) {
      return false;
    }
    this.lastFetchStartedAt = now;
    this.inflight = this.fetchKeys().finally(() => {
      this.inflight = undefined;
    });
    await this.inflight;
    return true;
  }

  private async fetchKeys(): Promise<void> {
    try {
      const response = await this.fetch(this.config.fal.jwksUrl, {
        signal: AbortSignal.timeout(this.jwksTimeoutMs),
      });
      if (!response.ok) {
        throw new Error(`JWKS answered ${response.status}`);
      }
      const body = (await response.json()) as { keys?: unknown };
      const keys = (Array.isArray(body.keys) ? body.keys : []).flatMap((jwk) => toKey(jwk));
      if (keys.length === 0) {
        throw new Error('JWKS holds no Ed25519 keys');
      }
      this.keys = keys;
      this.fetchedAt = this.now();
      this.lastFetchError = undefined;
    } catch (error) {
      // Keep the old keys: a JWKS outage must not reject webhooks we could still verify.
      this.lastFetchError = error instanceof Error ? error.message : String(error);
    }
  }
}

/** 32 bytes of unpadded base64url (43 characters); one `=` of padding is tolerated. */
const ED25519_X = /^[A-Za-z0-9_-]{43}=?$/;

/**
 * One JWKS entry as an Ed25519 key, or none. fal's own sample verifier reads only `x`, so whether
 * fal's JWKS carries `kty`/`crv`/`kid` is not promised: a key with only `x` is taken as
 * OKP/Ed25519, while one whose `kty` or `crv` names anything else is refused.
 */
function toKey(jwk: unknown): KeyObject[] {
  if (typeof jwk !== 'object' || jwk === null) {
    return [];
  }
  const { kty, crv, x } = jwk as { kty?: unknown; crv?: unknown; x?: unknown };
  if ((kty !== undefined && kty !== 'OKP') || (crv !== undefined && crv !== 'Ed25519')) {
    return [];
  }
  if (typeof x !== 'string' || !ED25519_X.test(x)) {
    return [];
  }
  const bytes = Buffer.from(x, 'base64url');
  if (bytes.length !== 32) {
    return [];
  }
  try {
    return [
      createPublicKey({
        key: { kty: 'OKP', crv: 'Ed25519', x: bytes.toString('base64url') },
        format: 'jwk',
      }),
    ];
  } catch {
    return [];
  }
}
