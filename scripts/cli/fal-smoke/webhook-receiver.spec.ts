import { createHash, generateKeyPairSync, sign } from 'node:crypto';

import { loadConfig } from '@app/config';
import { FalWebhookVerifier } from '@app/fal';

import { WebhookReceiver } from './webhook-receiver';

const JWKS_URL = 'http://keys.test/.well-known/jwks.json';
const { privateKey, publicKey } = generateKeyPairSync('ed25519');

/** The product's verifier, its JWKS fetch (the boundary) answering with the test's key. */
function verifier(): FalWebhookVerifier {
  const jwks = { keys: [publicKey.export({ format: 'jwk' })] };
  return new FalWebhookVerifier(
    loadConfig({ FAL_JWKS_URL: JWKS_URL, FAL_WEBHOOK_USER_ID: 'fal-user-42' }),
    { fetch: () => Promise.resolve(Response.json(jwks)) },
  );
}

function signedHeaders(body: string, userId = 'fal-user-42'): Record<string, string> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const hash = createHash('sha256').update(body).digest('hex');
  const message = Buffer.from(`req-1\n${userId}\n${timestamp}\n${hash}`);
  return {
    'content-type': 'application/json',
    'x-fal-webhook-request-id': 'req-1',
    'x-fal-webhook-user-id': userId,
    'x-fal-webhook-timestamp': timestamp,
    'x-fal-webhook-signature': sign(null, message, privateKey).toString('hex'),
  };
}

describe('WebhookReceiver', () => {
  let receiver: WebhookReceiver;
  afterEach(() => receiver?.close());

  it('refuses the first deliveries with 503, accepts the next, and verifies each at arrival', async () => {
    const check = verifier();
    receiver = await WebhookReceiver.start({
      host: '127.0.0.1',
      port: 0,
      refuseFirst: 2,
      verify: (delivery) => check.verify(delivery),
    });
    const url = receiver.localUrl();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/fal-smoke\/webhook$/);
    const body = '{"request_id":"req-1","status":"OK"}';
    const post = (headers: Record<string, string>) =>
      fetch(url, { method: 'POST', headers, body }).then((r) => r.status);

    expect(await post(signedHeaders(body))).toBe(503);
    expect(receiver.accepted()).toBe(false);
    expect(await post(signedHeaders(body, 'someone-else'))).toBe(503);
    expect(await post({ ...signedHeaders(body), 'x-fal-webhook-signature': 'ab'.repeat(64) })).toBe(
      200,
    );
    expect(receiver.accepted()).toBe(true);
    expect((await fetch(url)).status).toBe(405);

    expect(receiver.deliveries.map((d) => [d.answered, d.verification])).toEqual([
      [503, 'verified'],
      [503, { reason: 'unexpected_user', message: expect.stringContaining('someone-else') }],
      [200, { reason: 'bad_signature', message: expect.any(String) }],
    ]);
    expect(receiver.deliveries[0].rawBody.toString()).toBe(body);
    expect(receiver.deliveries[0].headers['x-fal-webhook-user-id']).toBe('fal-user-42');
  });

  it('waits for an accepted delivery, or gives up at the deadline', async () => {
    receiver = await WebhookReceiver.start({
      host: '127.0.0.1',
      port: 0,
      refuseFirst: 0,
      verify: () => Promise.resolve(),
    });
    const started = Date.now();
    await receiver.waitForAccepted(started + 200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);

    const waiting = receiver.waitForAccepted(Date.now() + 10_000);
    await fetch(receiver.localUrl(), { method: 'POST', body: '{}' });
    await waiting;
    expect(receiver.accepted()).toBe(true);
  });
});
