import { ConfigError, loadConfig } from './load-config';
import { mediaUrlAllowed } from './media-hosts';
import { startupWarnings } from './startup-warnings';

/** What a real fal.ai key needs to start anywhere: the user id pin and a URL fal can call back. */
const REAL_FAL = {
  FAL_KEY: 'key-1234567890',
  FAL_WEBHOOK_USER_ID: 'fal-user-42',
  PUBLIC_API_URL: 'https://api.example.com',
};

describe('loadConfig', () => {
  it('gives safe local defaults with an empty environment, pointing fal at fal-sim', () => {
    const config = loadConfig({});
    expect(config.api).toEqual({
      host: '127.0.0.1',
      port: 3000,
      publicUrl: 'http://127.0.0.1:3000',
    });
    expect(config.fal).toMatchObject({
      simulated: true,
      queueUrl: 'http://127.0.0.1:4010',
      jwksUrl: 'http://127.0.0.1:4010/.well-known/jwks.json',
      verifyWebhooks: true,
    });
    expect(config.credits).toEqual({ pricePerImage: 1, price4k: 2 });
  });

  it('reaches Postgres directly unless told a transaction-mode pooler is in between', () => {
    const url = 'postgres://app@db:5432/ainfographic';
    expect(loadConfig({ DATABASE_URL: url }).database).toMatchObject({
      url,
      directUrl: url,
      pooler: 'none',
    });
    const pooled = loadConfig({
      DATABASE_URL: 'postgres://app@pgbouncer:6432/ainfographic',
      DATABASE_POOLER: 'transaction',
      DATABASE_DIRECT_URL: url,
    });
    expect(pooled.database).toMatchObject({ directUrl: url, pooler: 'transaction' });
    expect(() =>
      loadConfig({ DATABASE_POOLER: 'session', DATABASE_DIRECT_URL: 'mysql://x' }),
    ).toThrow(
      /DATABASE_POOLER="session": DATABASE_POOLER must be one of[^\n]*\n.*DATABASE_DIRECT_URL="mysql:\/\/x": DATABASE_DIRECT_URL must be a postgres:\/\/ URL/,
    );
  });

  it('uses fal.ai itself when a key is set and no queue URL overrides it', () => {
    const config = loadConfig(REAL_FAL);
    expect(config.fal.simulated).toBe(false);
    expect(config.fal.queueUrl).toBeUndefined();
    expect(config.fal.jwksUrl).toBe('https://rest.alpha.fal.ai/.well-known/jwks.json');
  });

  it('finds fal-sim at FAL_SIM_URL (queue, keys and images), which a real key ignores', () => {
    const sim = loadConfig({ FAL_SIM_URL: 'http://fal-sim:4010/' });
    expect(sim.fal).toMatchObject({
      queueUrl: 'http://fal-sim:4010',
      jwksUrl: 'http://fal-sim:4010/.well-known/jwks.json',
    });
    expect(sim.images.mediaHosts).toEqual(['fal-sim:4010']);

    const real = loadConfig({
      FAL_SIM_URL: 'http://fal-sim:4010',
      ...REAL_FAL,
    });
    expect(real.fal.queueUrl).toBeUndefined();
    expect(real.fal.jwksUrl).toBe('https://rest.alpha.fal.ai/.well-known/jwks.json');
    expect(real.images.mediaHosts).not.toContain('fal-sim:4010');
  });

  it("allows every fal.media shard and fal's storage bucket by default with a real key", () => {
    const key = {
      FAL_KEY: 'key-1234567890',
      FAL_WEBHOOK_USER_ID: 'fal-user-42',
      PUBLIC_API_URL: 'https://api.example.com',
    };
    const allowed = (url: string, env: Record<string, string> = key) =>
      mediaUrlAllowed(new URL(url), loadConfig(env).images.mediaHosts);
    expect(allowed('https://v3b.fal.media/files/b/x.png')).toBe(true);
    expect(allowed('https://v7.fal.media/files/x.png')).toBe(true);
    expect(allowed('https://storage.googleapis.com/falserverless/x.png')).toBe(true);
    expect(allowed('https://evilfal.media/x.png')).toBe(false);
    // FAL_MEDIA_HOSTS replaces the default rule; its entries keep the case of their paths.
    const custom = { ...key, FAL_MEDIA_HOSTS: ' *.Example.com , files.example.org/Bucket/ ' };
    expect(loadConfig(custom).images.mediaHosts).toEqual([
      '*.Example.com',
      'files.example.org/Bucket/',
    ]);
    expect(allowed('https://cdn.example.com/x.png', custom)).toBe(true);
    expect(allowed('https://files.example.org/Bucket/x.png', custom)).toBe(true);
    expect(allowed('https://v3.fal.media/x.png', custom)).toBe(false);
  });

  it('reads FAL_SAFETY_TOLERANCE as fal\'s string "1".."6", unset meaning fal\'s default', () => {
    expect(loadConfig({}).fal.safetyTolerance).toBeUndefined();
    expect(loadConfig({ FAL_SAFETY_TOLERANCE: '' }).fal.safetyTolerance).toBeUndefined();
    expect(loadConfig({ FAL_SAFETY_TOLERANCE: '2' }).fal.safetyTolerance).toBe('2');
    for (const bad of ['0', '7', '4.0', 'strict']) {
      expect(() => loadConfig({ FAL_SAFETY_TOLERANCE: bad })).toThrow(
        new RegExp(`FAL_SAFETY_TOLERANCE="${bad.replace('.', '\\.')}": .*1 to 6`),
      );
    }
  });

  it('names a malformed FAL_MEDIA_HOSTS entry at start-up', () => {
    expect(() => loadConfig({ FAL_MEDIA_HOSTS: 'fal.media, https://cdn.example.com' })).toThrow(
      /FAL_MEDIA_HOSTS.*"https:\/\/cdn\.example\.com": expected host/,
    );
  });

  it('allows http media only for fal-sim or with FAL_MEDIA_ALLOW_HTTP, never for being a test', () => {
    const key = REAL_FAL;
    expect(loadConfig({}).images.allowHttp).toBe(true);
    expect(loadConfig({ ...key }).images.allowHttp).toBe(false);
    expect(loadConfig({ ...key, NODE_ENV: 'test' }).images.allowHttp).toBe(false);
    expect(loadConfig({ ...key, FAL_MEDIA_ALLOW_HTTP: 'true' }).images.allowHttp).toBe(true);
  });

  it('parses numbers and booleans and treats empty strings as unset', () => {
    const config = loadConfig({
      API_PORT: '8080',
      FAL_WEBHOOK_VERIFY: 'false',
      FAL_KEY: '',
      PUBLIC_API_URL: 'https://api.example.com/',
    });
    expect(config.api.port).toBe(8080);
    expect(config.fal.verifyWebhooks).toBe(false);
    expect(config.fal.simulated).toBe(true);
    expect(config.api.publicUrl).toBe('https://api.example.com');
  });

  it('names every bad setting at once', () => {
    let error: unknown;
    try {
      loadConfig({
        API_PORT: 'abc',
        DATABASE_URL: 'mysql://x',
        WORKER_CONCURRENCY: '0',
        FAL_WEBHOOK_VERIFY: 'maybe',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/^API_PORT="abc": API_PORT must be an integer number/m);
    expect(problems).toMatch(
      /^DATABASE_URL="mysql:\/\/x": DATABASE_URL must be a postgres:\/\/ URL/m,
    );
    expect(problems).toMatch(/^WORKER_CONCURRENCY=0: WORKER_CONCURRENCY must not be less than 1/m);
    expect(problems).toMatch(/^FAL_WEBHOOK_VERIFY="maybe"/m);
    expect((error as ConfigError).problems).toHaveLength(4);
  });

  it('refuses a FAL_KEY whose webhooks could never arrive, even in development', () => {
    expect(() =>
      loadConfig({ FAL_KEY: 'key-1234567890', FAL_WEBHOOK_USER_ID: 'fal-user-42' }),
    ).toThrow(
      /Invalid configuration:\n {2}- PUBLIC_API_URL="http:\/\/127\.0\.0\.1:3000": FAL_KEY is set, .*never arrive/,
    );
  });

  it('refuses a real FAL_KEY without the fal user id pin, even in development', () => {
    expect(() => loadConfig({ FAL_KEY: 'key-1234567890' })).toThrow(
      /Invalid configuration:\n {2}- FAL_WEBHOOK_USER_ID is empty although FAL_KEY is set/,
    );
  });

  it('refuses production on the development defaults, naming every unsafe setting', () => {
    let error: unknown;
    try {
      loadConfig({ NODE_ENV: 'production', API_PORT: 'abc' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.split(/[ =]/)[0])).toEqual([
      'API_PORT',
      'FAL_KEY',
      'METRICS_TOKEN',
      'FAL_WEBHOOK_SECRET',
    ]);
  });

  it('starts production with fal-sim only when told to, and says so', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      UNSAFE_ALLOW_FAL_SIM_IN_PRODUCTION: 'true',
      METRICS_TOKEN: 'metrics-token-0123456789',
      FAL_WEBHOOK_SECRET: 'a-long-random-production-secret-0123456789',
      SMTP_URL: 'smtp://mail.example.com:587',
    });
    expect(config.fal).toMatchObject({ simulated: true, allowSimInProduction: true });
    expect(startupWarnings(config)).toEqual([
      expect.stringMatching(/UNSAFE_ALLOW_FAL_SIM_IN_PRODUCTION=true.*fal-sim/),
    ]);
    expect(startupWarnings(loadConfig({}))).toEqual([]);
  });

  it('warns in production when e-mails (sign-up and reset links) would only be logged', () => {
    const production = {
      NODE_ENV: 'production',
      UNSAFE_ALLOW_FAL_SIM_IN_PRODUCTION: 'true',
      METRICS_TOKEN: 'metrics-token-0123456789',
      FAL_WEBHOOK_SECRET: 'a-long-random-production-secret-0123456789',
    };
    expect(startupWarnings(loadConfig(production))).toContainEqual(
      expect.stringMatching(/^SMTP_URL is empty: .*the log holds those links/),
    );
    expect(
      startupWarnings(loadConfig({ ...production, SMTP_URL: 'smtp://mail.example.com:587' })),
    ).not.toContainEqual(expect.stringMatching(/SMTP_URL/));
  });

  it('makes the session cookie Secure and __Host- prefixed over https and in production only', () => {
    expect(loadConfig({}).accounts.sessionCookie).toEqual({ name: 'aig_session', secure: false });
    expect(
      loadConfig({ PUBLIC_API_URL: 'https://api.example.com' }).accounts.sessionCookie,
    ).toEqual({ name: '__Host-aig_session', secure: true });
  });

  it('refuses an out-of-range port', () => {
    expect(() => loadConfig({ API_PORT: '70000' })).toThrow(
      /API_PORT=70000: API_PORT must not be greater than 65535/,
    );
  });
});
