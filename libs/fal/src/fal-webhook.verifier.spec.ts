import { createHash, generateKeyPairSync, KeyObject, sign } from 'node:crypto';

import { AppConfig, loadConfig } from '@app/config';

import { FalWebhookVerifier, FalWebhookVerifierOptions } from './fal-webhook.verifier';
import { WebhookSignatureError } from './webhook-signature.error';

const NOW = 1_764_000_000_000;
const JWKS_URL = 'http://keys.test/.well-known/jwks.json';

function keyPair(): { privateKey: KeyObject; jwk: Record<string, unknown> } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid: 'k' } };
}

function signed(
  privateKey: KeyObject,
  body: string,
  timestamp = Math.floor(NOW / 1000),
  userId = 'user-1',
) {
  const rawBody = Buffer.from(body);
  const hash = createHash('sha256').update(rawBody).digest('hex');
  const message = `req-1\n${userId}\n${timestamp}\n${hash}`;
  return {
    rawBody,
    headers: {
      'x-fal-webhook-request-id': 'req-1',
      'x-fal-webhook-user-id': userId,
      'x-fal-webhook-timestamp': String(timestamp),
      'x-fal-webhook-signature': sign(null, Buffer.from(message), privateKey).toString('hex'),
    } as Record<string, string | undefined>,
  };
}

/** A verifier over a fake JWKS whose keys the test can swap; counts the fetches. */
function setup(env: Record<string, string> = {}, options: FalWebhookVerifierOptions = {}) {
  const state = { jwks: [] as Array<Record<string, unknown>>, fetches: 0, now: NOW, fail: false };
  const config: AppConfig = loadConfig({ FAL_JWKS_URL: JWKS_URL, ...env });
  const fakeFetch = ((url: string | URL | Request) => {
    state.fetches++;
    expect(url instanceof Request ? url.url : url.toString()).toBe(JWKS_URL);
    if (state.fail) {
      return Promise.reject(new TypeError('fetch failed'));
    }
    return Promise.resolve(
      new Response(JSON.stringify({ keys: state.jwks }), {
        headers: { 'content-type': 'application/json' },
      }),
    );
  }) as typeof fetch;
  const verifier = new FalWebhookVerifier(config, {
    now: () => state.now,
    fetch: fakeFetch,
    ...options,
  });
  return { state, verifier };
}

const reasonOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'verified',
    (error: unknown) => (error instanceof WebhookSignatureError ? error.reason : String(error)),
  );

describe('FalWebhookVerifier', () => {
  const body = '{"request_id":"req-1","status":"OK","payload":{"images":[]}}';

  it('accepts a valid signature and caches the keys', async () => {
    const { state, verifier } = setup();
    const key = keyPair();
    state.jwks = [key.jwk];
    await expect(verifier.verify(signed(key.privateKey, body))).resolves.toEqual({
      requestId: 'req-1',
      userId: 'user-1',
      timestamp: Math.floor(NOW / 1000),
    });
    await verifier.verify(signed(key.privateKey, body));
    expect(state.fetches).toBe(1);
  });

  it('rejects a tampered body and a foreign key', async () => {
    const { state, verifier } = setup();
    const key = keyPair();
    state.jwks = [key.jwk];
    const delivery = signed(key.privateKey, body);
    expect(
      await reasonOf(
        verifier.verify({ ...delivery, rawBody: Buffer.from(body.replace('OK', 'ER')) }),
      ),
    ).toBe('bad_signature');
    expect(await reasonOf(verifier.verify(signed(keyPair().privateKey, body)))).toBe(
      'bad_signature',
    );
  });

  it('rejects timestamps more than 300 s away, either way', async () => {
    const { state, verifier } = setup();
    const key = keyPair();
    state.jwks = [key.jwk];
    const seconds = Math.floor(NOW / 1000);
    expect(await reasonOf(verifier.verify(signed(key.privateKey, body, seconds - 301)))).toBe(
      'stale_timestamp',
    );
    expect(await reasonOf(verifier.verify(signed(key.privateKey, body, seconds + 301)))).toBe(
      'stale_timestamp',
    );
    expect(await reasonOf(verifier.verify(signed(key.privateKey, body, seconds - 299)))).toBe(
      'verified',
    );
  });

  it.each([
    'x-fal-webhook-request-id',
    'x-fal-webhook-user-id',
    'x-fal-webhook-timestamp',
    'x-fal-webhook-signature',
  ])('rejects a delivery without %s', async (name) => {
    const { state, verifier } = setup();
    const key = keyPair();
    state.jwks = [key.jwk];
    const delivery = signed(key.privateKey, body);
    delete delivery.headers[name];
    expect(await reasonOf(verifier.verify(delivery))).toBe('missing_header');
    expect(state.fetches).toBe(0);
  });

  it('rejects malformed signatures and unpinned users before fetching keys', async () => {
    const { state, verifier } = setup({ FAL_WEBHOOK_USER_ID: 'user-1' });
    const key = keyPair();
    state.jwks = [key.jwk];
    const delivery = signed(key.privateKey, body, undefined, 'someone-else');
    expect(await reasonOf(verifier.verify(delivery))).toBe('unexpected_user');
    const ok = signed(key.privateKey, body);
    ok.headers['x-fal-webhook-signature'] = 'zz';
    expect(await reasonOf(verifier.verify(ok))).toBe('invalid_header');
    expect(state.fetches).toBe(0);
    expect(await reasonOf(verifier.verify(signed(key.privateKey, body)))).toBe('verified');
  });

  it('refetches once on a miss to follow a key rotation, rate-limited', async () => {
    const { state, verifier } = setup();
    const oldKey = keyPair();
    const newKey = keyPair();
    state.jwks = [oldKey.jwk];
    await verifier.verify(signed(oldKey.privateKey, body));

    state.jwks = [newKey.jwk, oldKey.jwk];
    state.now += 31_000;
    await expect(
      verifier.verify(signed(newKey.privateKey, body, Math.floor(state.now / 1000))),
    ).resolves.toBeDefined();
    expect(state.fetches).toBe(2);

    // A second unknown key within 30 s of the last fetch: no new fetch, rejected.
    const third = keyPair();
    state.jwks = [third.jwk];
    state.now += 1_000;
    expect(
      await reasonOf(verifier.verify(signed(third.privateKey, body, Math.floor(state.now / 1000)))),
    ).toBe('bad_signature');
    expect(state.fetches).toBe(2);
  });

  it('refreshes the cache after 24 h and keeps old keys through a JWKS outage', async () => {
    const { state, verifier } = setup();
    const key = keyPair();
    state.jwks = [key.jwk];
    await verifier.verify(signed(key.privateKey, body));

    state.now += 24 * 60 * 60 * 1000 + 1;
    state.fail = true;
    const seconds = Math.floor(state.now / 1000);
    expect(await reasonOf(verifier.verify(signed(key.privateKey, body, seconds)))).toBe('verified');
    expect(state.fetches).toBe(2);
  });

  it("accepts a key that carries only `x`, as fal's sample verifier reads it", async () => {
    const { state, verifier } = setup();
    const key = keyPair();
    state.jwks = [{ x: key.jwk.x }];
    expect(await reasonOf(verifier.verify(signed(key.privateKey, body)))).toBe('verified');
  });

  it('accepts kty and crv only when they say OKP and Ed25519', async () => {
    const key = keyPair();
    const x = key.jwk.x as string;
    for (const jwk of [
      { kty: 'OKP', x },
      { crv: 'Ed25519', x },
      { kty: 'OKP', crv: 'Ed25519', x },
    ]) {
      const { state, verifier } = setup();
      state.jwks = [jwk];
      expect(await reasonOf(verifier.verify(signed(key.privateKey, body)))).toBe('verified');
    }
    for (const jwk of [
      { kty: 'EC', crv: 'Ed25519', x },
      { kty: 'OKP', crv: 'X25519', x },
      { kty: 'OKP', crv: 'Ed448', x },
      { crv: 'P-256', x },
      { kty: 'RSA', x },
      { kty: null, x },
    ]) {
      const { state, verifier } = setup();
      state.jwks = [jwk];
      // Refused, so the JWKS holds no usable key at all.
      expect(await reasonOf(verifier.verify(signed(key.privateKey, body)))).toBe(
        'keys_unavailable',
      );
    }
  });

  it('refuses an `x` that is not 32 bytes of base64url, and keeps the good keys beside it', async () => {
    const key = keyPair();
    const x = key.jwk.x as string;
    const raw = Buffer.from(x, 'base64url');
    for (const bad of [
      x.slice(0, -1),
      `${x}AA`,
      Buffer.concat([raw, Buffer.from([0])]).toString('base64url'),
      raw.subarray(0, 31).toString('base64url'),
      // 43 characters of standard base64, not base64url.
      `${'+/'.repeat(21)}A`,
      '',
      42,
    ]) {
      const { state, verifier } = setup();
      state.jwks = [{ x: bad }];
      expect(await reasonOf(verifier.verify(signed(key.privateKey, body)))).toBe(
        'keys_unavailable',
      );
    }
    const { state, verifier } = setup();
    state.jwks = [{ x: x.slice(0, -1) }, { x }];
    expect(await reasonOf(verifier.verify(signed(key.privateKey, body)))).toBe('verified');
  });

  it('says keys_unavailable when the JWKS cannot be fetched and nothing is cached', async () => {
    const { state, verifier } = setup();
    state.fail = true;
    expect(await reasonOf(verifier.verify(signed(keyPair().privateKey, body)))).toBe(
      'keys_unavailable',
    );
  });
});
