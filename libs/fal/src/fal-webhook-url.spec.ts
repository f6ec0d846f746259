import { type AppConfig, PublicUrls } from '@app/config';

import { FalWebhookUrls, webhookToken } from './fal-webhook-url';

const SECRET_A = 'a'.repeat(32);
const SECRET_B = 'b'.repeat(32);
const ID = '0b6f4f4e-6d2c-4b7a-9a55-3f0f5c1d2e3a';

const urls = (secrets: string[]) =>
  new FalWebhookUrls(
    { fal: { webhookSecrets: secrets } } as unknown as AppConfig,
    new PublicUrls('https://api.example.com'),
  );

describe('FalWebhookUrls', () => {
  it('puts the infograph id and its token in the URL, under the first secret', () => {
    const url = new URL(urls([SECRET_A, SECRET_B]).forInfograph(ID));
    expect(url.origin + url.pathname).toBe(`https://api.example.com/api/infographs/webhook/${ID}/`);
    expect(url.searchParams.get('token')).toBe(webhookToken(SECRET_A, ID));
  });

  it('recognises only the token of that infograph under a configured secret', () => {
    const current = urls([SECRET_A, SECRET_B]);
    expect(current.isIssued(ID, webhookToken(SECRET_A, ID))).toBe(true);
    // The previous secret still verifies while a rotation drains.
    expect(current.isIssued(ID, webhookToken(SECRET_B, ID))).toBe(true);
    expect(current.isIssued(ID, webhookToken('c'.repeat(32), ID))).toBe(false);
    // Another infograph's valid token does not open this one.
    const other = '1b6f4f4e-6d2c-4b7a-9a55-3f0f5c1d2e3a';
    expect(current.isIssued(ID, webhookToken(SECRET_A, other))).toBe(false);
    for (const bad of [undefined, null, '', 'x', ['a'], webhookToken(SECRET_A, ID).slice(1)]) {
      expect(current.isIssued(ID, bad)).toBe(false);
    }
  });

  it('makes tokens that differ per secret and per id, and are URL-safe', () => {
    const token = webhookToken(SECRET_A, ID);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(webhookToken(SECRET_B, ID)).not.toBe(token);
  });
});
