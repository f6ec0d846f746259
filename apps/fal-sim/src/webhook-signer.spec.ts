import { createHash, createPublicKey, verify } from 'node:crypto';

import { parsePrivateKey, WebhookSigner } from './webhook-signer';

describe('WebhookSigner', () => {
  it('signs request id, user id, timestamp and body hash with a key its JWKS publishes', () => {
    const signer = new WebhookSigner('user-9');
    const body = Buffer.from('{"status":"OK"}');
    const headers = signer.sign('req-1', body, 1700000000);
    const message = `req-1\nuser-9\n1700000000\n${createHash('sha256').update(body).digest('hex')}`;
    const [jwk] = signer.jwks().keys;
    expect(jwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', kid: expect.any(String) });
    const key = createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x }, format: 'jwk' });
    const signature = Buffer.from(headers['x-fal-webhook-signature'], 'hex');
    expect(verify(null, Buffer.from(message), key, signature)).toBe(true);
    expect(headers).toMatchObject({
      'x-fal-webhook-request-id': 'req-1',
      'x-fal-webhook-user-id': 'user-9',
      'x-fal-webhook-timestamp': '1700000000',
    });
  });

  it('derives the same key from the same seed', () => {
    const seed = 'ab'.repeat(32);
    const a = new WebhookSigner('u', parsePrivateKey(seed));
    const b = new WebhookSigner('u', parsePrivateKey(seed));
    expect(a.jwks()).toEqual(b.jwks());
  });

  it('publishes bare keys (only x, as fal promises no more) when asked', () => {
    const signer = new WebhookSigner('u');
    const [full] = signer.jwks().keys;
    expect(signer.jwks({ bare: true })).toEqual({ keys: [{ x: full.x }] });
  });

  it('keeps the previous key published after a rotation', () => {
    const signer = new WebhookSigner('u');
    const [before] = signer.jwks().keys;
    const after = signer.rotate();
    expect(signer.jwks().keys).toEqual([after, before]);
  });
});
