import { ConfigError, loadConfig } from './load-config';

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

  it('uses fal.ai itself when a key is set and no queue URL overrides it', () => {
    const config = loadConfig({ FAL_KEY: 'key-1234567890' });
    expect(config.fal.simulated).toBe(false);
    expect(config.fal.queueUrl).toBeUndefined();
    expect(config.fal.jwksUrl).toBe('https://rest.alpha.fal.ai/.well-known/jwks.json');
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

  it('refuses an out-of-range port', () => {
    expect(() => loadConfig({ API_PORT: '70000' })).toThrow(
      /API_PORT=70000: API_PORT must not be greater than 65535/,
    );
  });
});
