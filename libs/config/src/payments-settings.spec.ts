import { Environment } from './environment';
import { ConfigError, loadConfig } from './load-config';
import { unsafeSettings } from './unsafe-settings';

const KEYS = { STRIPE_SECRET_KEY: 'sk_test_abc123', STRIPE_WEBHOOK_SECRET: 'whsec_abc123' };

/** The problems loadConfig names for `env`, or [] when it loads. */
function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    return (error as ConfigError).problems;
  }
}

describe('payment settings', () => {
  it('keep purchases off without Stripe keys, with the default packs and the api as the page', () => {
    const { payments } = loadConfig({});
    expect(payments).toMatchObject({ enabled: false, returnUrl: 'http://127.0.0.1:3000' });
    expect(payments.packs.map((p) => p.id)).toEqual(['starter', 'standard', 'studio']);
    expect(payments.apiUrl).toBeUndefined();
  });

  it('switch purchases on with both keys; the web page URL and the stand-in URL are read', () => {
    const { payments } = loadConfig({
      ...KEYS,
      PUBLIC_WEB_URL: 'https://app.example.com/',
      STRIPE_API_URL: 'http://127.0.0.1:12111',
    });
    expect(payments).toMatchObject({
      enabled: true,
      secretKey: 'sk_test_abc123',
      webhookSecret: 'whsec_abc123',
      returnUrl: 'https://app.example.com',
      apiUrl: { protocol: 'http', host: '127.0.0.1', port: 12111 },
    });
    expect(loadConfig({ ...KEYS, STRIPE_API_URL: 'https://stripe.test' }).payments.apiUrl).toEqual({
      protocol: 'https',
      host: 'stripe.test',
      port: 443,
    });
  });

  it('refuse one key without the other, naming the missing one', () => {
    expect(problemsOf({ STRIPE_SECRET_KEY: KEYS.STRIPE_SECRET_KEY })).toEqual([
      expect.stringMatching(/^STRIPE_WEBHOOK_SECRET is empty although STRIPE_SECRET_KEY is set/),
    ]);
    expect(problemsOf({ STRIPE_WEBHOOK_SECRET: KEYS.STRIPE_WEBHOOK_SECRET })).toEqual([
      expect.stringMatching(/^STRIPE_SECRET_KEY is empty although STRIPE_WEBHOOK_SECRET is set/),
    ]);
  });

  it('refuse keys that are not Stripe keys (a publishable key, a secret without whsec_)', () => {
    expect(problemsOf({ ...KEYS, STRIPE_SECRET_KEY: 'pk_test_abc' })).toEqual([
      expect.stringMatching(/^STRIPE_SECRET_KEY="pk_test_abc": .*sk_live_/),
    ]);
    expect(problemsOf({ ...KEYS, STRIPE_WEBHOOK_SECRET: 'abc' })).toEqual([
      expect.stringMatching(/^STRIPE_WEBHOOK_SECRET="abc": .*whsec_/),
    ]);
  });

  it('refuse bad CREDIT_PACKS at start-up, and no packs while purchases are on', () => {
    expect(problemsOf({ CREDIT_PACKS: '[{"id":"x"}]' })).toEqual(
      expect.arrayContaining([expect.stringMatching(/^CREDIT_PACKS\[0\]\.name/)]),
    );
    expect(problemsOf({ CREDIT_PACKS: 'nope' })).toEqual([
      expect.stringMatching(/^CREDIT_PACKS is not JSON/),
    ]);
    expect(problemsOf({ CREDIT_PACKS: '[]' })).toEqual([]);
    expect(problemsOf({ ...KEYS, CREDIT_PACKS: '[]' })).toEqual([
      'CREDIT_PACKS is empty although Stripe keys are set: there is nothing to buy',
    ]);
  });

  it('refuse STRIPE_API_URL in production on http or a local address, never a public https one', () => {
    const production = (STRIPE_API_URL?: string) =>
      Object.assign(new Environment(), {
        NODE_ENV: 'production',
        FAL_KEY: 'fal-key-1234567890',
        FAL_WEBHOOK_USER_ID: 'fal-user-42',
        PUBLIC_API_URL: 'https://api.example.com',
        METRICS_TOKEN: 'metrics-token-0123456789abcdef',
        FAL_WEBHOOK_SECRET: 'a-long-random-production-secret-0123456789',
        STRIPE_API_URL,
      });
    expect(unsafeSettings(production())).toEqual([]);
    expect(unsafeSettings(production('https://api.stripe.com'))).toEqual([]);
    for (const url of [
      'http://127.0.0.1:12111',
      'https://localhost:12111',
      'http://api.stripe.com',
    ]) {
      expect(unsafeSettings(production(url))).toEqual([
        expect.stringMatching(/^STRIPE_API_URL=".*": Stripe API calls .* remove it in production/),
      ]);
    }
    const test = Object.assign(production('http://127.0.0.1:12111'), { NODE_ENV: 'test' });
    expect(unsafeSettings(test)).toEqual([]);
  });
});
