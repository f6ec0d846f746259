import { DEV_FAL_WEBHOOK_SECRET, Environment } from './environment';
import { unsafeSettings } from './unsafe-settings';

/** A production environment that passes every rule; each test breaks exactly one thing. */
function production(overrides: Partial<Environment> = {}): Environment {
  return Object.assign(new Environment(), {
    NODE_ENV: 'production',
    FAL_KEY: 'fal-key-1234567890',
    FAL_WEBHOOK_USER_ID: 'fal-user-42',
    PUBLIC_API_URL: 'https://api.example.com',
    METRICS_TOKEN: 'metrics-token-0123456789abcdef',
    FAL_WEBHOOK_SECRET: 'a-long-random-production-secret-0123456789',
    ...overrides,
  });
}

/** The one problem the environment has; fails if it has none or several. */
function onlyProblem(env: Environment): string {
  const problems = unsafeSettings(env);
  expect(problems).toHaveLength(1);
  return problems[0];
}

describe('unsafeSettings in production', () => {
  it('accepts a complete, safe production environment', () => {
    expect(unsafeSettings(production())).toEqual([]);
    expect(unsafeSettings(production({ ADMIN_PASSWORD: 'sixteen-chars-ok' }))).toEqual([]);
    expect(
      unsafeSettings(
        production({ FAL_JWKS_URL: 'https://rest.alpha.fal.ai/.well-known/jwks.json' }),
      ),
    ).toEqual([]);
    expect(unsafeSettings(production({ FAL_QUEUE_URL: 'https://queue.fal.run' }))).toEqual([]);
  });

  it('refuses unsigned webhooks', () => {
    expect(onlyProblem(production({ FAL_WEBHOOK_VERIFY: false }))).toMatch(
      /^FAL_WEBHOOK_VERIFY=false: .*remove it/,
    );
  });

  it('refuses http media downloads', () => {
    expect(onlyProblem(production({ FAL_MEDIA_ALLOW_HTTP: true }))).toMatch(
      /^FAL_MEDIA_ALLOW_HTTP=true: .*remove it in production/,
    );
  });

  it('refuses insecure webhook endpoint URLs', () => {
    expect(onlyProblem(production({ WEBHOOK_ALLOW_INSECURE_URLS: true }))).toMatch(
      /^WEBHOOK_ALLOW_INSECURE_URLS=true: .*remove it in production/,
    );
  });

  it('refuses insecure push endpoints', () => {
    expect(onlyProblem(production({ PUSH_ALLOW_INSECURE_ENDPOINTS: true }))).toMatch(
      /^PUSH_ALLOW_INSECURE_ENDPOINTS=true: .*remove it in production/,
    );
  });

  it('refuses private scraper hosts', () => {
    expect(onlyProblem(production({ SCRAPER_ALLOW_PRIVATE_HOSTS: '10.0.0.5:80' }))).toMatch(
      /^SCRAPER_ALLOW_PRIVATE_HOSTS="10\.0\.0\.5:80": .*leave it empty/,
    );
  });

  it('refuses fal-sim (no FAL_KEY) unless the override says so, then checks no fal URLs', () => {
    expect(onlyProblem(production({ FAL_KEY: undefined }))).toMatch(
      /^FAL_KEY is empty: .*fal-sim.*UNSAFE_ALLOW_FAL_SIM_IN_PRODUCTION=true/,
    );
    expect(
      unsafeSettings(
        production({
          FAL_KEY: undefined,
          FAL_WEBHOOK_USER_ID: undefined,
          UNSAFE_ALLOW_FAL_SIM_IN_PRODUCTION: true,
          PUBLIC_API_URL: 'http://api:3000',
          FAL_QUEUE_URL: 'http://fal-sim:4010',
          FAL_JWKS_URL: 'http://fal-sim:4010/.well-known/jwks.json',
        }),
      ),
    ).toEqual([]);
  });

  it.each([
    'http://127.0.0.1:4010/.well-known/jwks.json',
    'http://fal-sim:4010/.well-known/jwks.json',
    'https://fal-sim:4010/.well-known/jwks.json',
    'https://10.0.0.5/jwks.json',
    'https://[::1]/jwks.json',
    'http://rest.alpha.fal.ai/.well-known/jwks.json',
  ])('refuses FAL_JWKS_URL=%s with a real FAL_KEY', (url) => {
    expect(onlyProblem(production({ FAL_JWKS_URL: url }))).toMatch(
      new RegExp(`^FAL_JWKS_URL="${url.replace(/[.[\]]/g, '\\$&')}": .*leave it empty`),
    );
  });

  it.each([
    'http://127.0.0.1:3000',
    'http://api.example.com',
    'https://api:3000',
    'https://192.168.1.10',
    'https://localhost',
  ])('refuses PUBLIC_API_URL=%s with a real FAL_KEY', (url) => {
    expect(onlyProblem(production({ PUBLIC_API_URL: url }))).toMatch(
      /^PUBLIC_API_URL=".*": .*public https/,
    );
  });

  it.each(['http://fal-sim:4010', 'http://queue.fal.run', 'https://127.0.0.1:4010'])(
    'refuses FAL_QUEUE_URL=%s with a real FAL_KEY',
    (url) => {
      expect(onlyProblem(production({ FAL_QUEUE_URL: url }))).toMatch(
        /^FAL_QUEUE_URL=".*": .*leave it empty/,
      );
    },
  );

  it('refuses public metrics', () => {
    expect(onlyProblem(production({ METRICS_TOKEN: undefined }))).toMatch(
      /^METRICS_TOKEN is empty: \/metrics would be public/,
    );
  });

  it('refuses the development webhook secret, without printing it', () => {
    const problem = onlyProblem(production({ FAL_WEBHOOK_SECRET: DEV_FAL_WEBHOOK_SECRET }));
    expect(problem).toMatch(/^FAL_WEBHOOK_SECRET is the development default/);
    expect(problem).not.toContain(DEV_FAL_WEBHOOK_SECRET);
  });

  it('refuses a short admin password, without printing it', () => {
    const problem = onlyProblem(production({ ADMIN_PASSWORD: 'fifteen-chars-x' }));
    expect(problem).toMatch(/^ADMIN_PASSWORD is 15 characters long: .*at least 16/);
    expect(problem).not.toContain('fifteen-chars-x');
  });

  it('lists every problem of the defaults at once', () => {
    const problems = unsafeSettings(Object.assign(new Environment(), { NODE_ENV: 'production' }));
    expect(problems.map((p) => p.split(/[ =]/)[0])).toEqual([
      'FAL_KEY',
      'METRICS_TOKEN',
      'FAL_WEBHOOK_SECRET',
    ]);
  });
});

describe('unsafeSettings everywhere', () => {
  it('leaves development and test alone, however unsafe', () => {
    for (const NODE_ENV of ['development', 'test'] as const) {
      expect(
        unsafeSettings(
          Object.assign(new Environment(), {
            NODE_ENV,
            FAL_WEBHOOK_VERIFY: false,
            SCRAPER_ALLOW_PRIVATE_HOSTS: '127.0.0.1:8080',
            ADMIN_PASSWORD: 'short-but-12',
          }),
        ),
      ).toEqual([]);
    }
  });

  /** A development or test environment with a key for fal.ai itself (FAL_QUEUE_URL left empty). */
  const keyed = (NODE_ENV: 'development' | 'test', overrides: Partial<Environment> = {}) =>
    Object.assign(new Environment(), {
      NODE_ENV,
      FAL_KEY: 'fal-key-1234567890',
      FAL_WEBHOOK_USER_ID: 'fal-user-42',
      ...overrides,
    });

  it.each([
    ['http://127.0.0.1:3000', /its host 127\.0\.0\.1 is loopback, private or a local-network name/],
    ['https://127.8.9.10', /its host 127\.8\.9\.10 is loopback/],
    ['https://localhost:3000', /its host localhost is loopback/],
    ['https://[::1]:3000', /its host \[::1\] is loopback/],
    ['https://[::ffff:127.0.0.1]', /its host \[::ffff:7f00:1\] is loopback/],
    ['https://10.1.2.3', /its host 10\.1\.2\.3 is/],
    ['https://172.20.0.1', /its host 172\.20\.0\.1 is/],
    ['https://192.168.1.10', /its host 192\.168\.1\.10 is/],
    ['https://169.254.169.254', /its host 169\.254\.169\.254 is/],
    ['https://[fd12::1]', /its host \[fd12::1\] is/],
    ['https://[fe80::1]', /its host \[fe80::1\] is/],
    ['https://api:3000', /its host api is/],
    ['https://box.local', /its host box\.local is/],
    ['https://api.internal', /its host api\.internal is/],
    ['http://api.example.com', /it is plain http, which would expose the token/],
  ])(
    'refuses PUBLIC_API_URL=%s with a FAL_KEY for fal.ai, even in development and test',
    (url, why) => {
      for (const NODE_ENV of ['development', 'test'] as const) {
        const problem = onlyProblem(keyed(NODE_ENV, { PUBLIC_API_URL: url }));
        expect(problem).toMatch(/^PUBLIC_API_URL=".*": FAL_KEY is set, .*public https address/);
        expect(problem).toMatch(why);
      }
    },
  );

  it('says both reasons for an http URL on a loopback host, and that webhooks would never arrive', () => {
    const problem = onlyProblem(keyed('development', { PUBLIC_API_URL: 'http://localhost:3000' }));
    expect(problem).toMatch(/it is plain http.* and its host localhost is loopback/);
    expect(problem).toMatch(/fal’s webhooks would never arrive/);
  });

  it('accepts a public https PUBLIC_API_URL with a FAL_KEY outside production', () => {
    expect(
      unsafeSettings(keyed('development', { PUBLIC_API_URL: 'https://api.example.com' })),
    ).toEqual([]);
  });

  it('leaves PUBLIC_API_URL alone outside production when FAL_QUEUE_URL is a local fal', () => {
    // A fake key whose queue is a test's fal-sim: fal.ai never calls back, the local fal does.
    const local = keyed('test', { FAL_QUEUE_URL: 'http://127.0.0.1:4010' });
    expect(unsafeSettings(local)).toEqual([]);
    const publicQueue = keyed('test', { FAL_QUEUE_URL: 'https://queue.fal.run' });
    expect(onlyProblem(publicQueue)).toMatch(/^PUBLIC_API_URL="http:\/\/127\.0\.0\.1:3000"/);
  });

  it('refuses a real FAL_KEY without a pinned fal user id, in any environment', () => {
    for (const NODE_ENV of ['development', 'test', 'production'] as const) {
      expect(onlyProblem(production({ NODE_ENV, FAL_WEBHOOK_USER_ID: undefined }))).toMatch(
        /^FAL_WEBHOOK_USER_ID is empty although FAL_KEY is set: .*X-Fal-Webhook-User-Id/,
      );
    }
  });
});
