import { runNode, startNode, waitForExit } from '../support/processes';
import { waitFor } from '../support/wait-for';

describe('start-up with a wrong setting', () => {
  it.each([
    [
      'apps/api/src/main.js',
      { API_PORT: 'abc' },
      /API_PORT="abc": API_PORT must be an integer number/,
    ],
    [
      'apps/worker/src/main.js',
      { REDIS_URL: 'http://nope' },
      /REDIS_URL="http:\/\/nope": REDIS_URL must be a redis/,
    ],
  ])('%s stops with a message naming the setting', async (entry, env, message) => {
    const result = await runNode(entry, [], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain('.env.example');
  });
});

describe('start-up in production with the development defaults', () => {
  // Empty values mean "unset" to the config, and keep a developer's .env or shell out of the test.
  const productionDefaults = {
    NODE_ENV: 'production',
    FAL_KEY: '',
    METRICS_TOKEN: '',
    FAL_WEBHOOK_SECRET: '',
    UNSAFE_ALLOW_FAL_SIM_IN_PRODUCTION: '',
    FAL_WEBHOOK_VERIFY: 'false',
    SCRAPER_ALLOW_PRIVATE_HOSTS: '127.0.0.1:8080',
  };

  it.each(['apps/api/src/main.js', 'apps/worker/src/main.js'])(
    '%s refuses to start, naming every unsafe setting in one message',
    async (entry) => {
      const result = await runNode(entry, [], productionDefaults);
      expect(result.code).toBe(1);
      const problems = result.stderr.split('\n').filter((line) => line.startsWith('  - '));
      expect(problems.map((line) => line.slice(4).split(/[ =]/)[0])).toEqual([
        'FAL_WEBHOOK_VERIFY',
        'SCRAPER_ALLOW_PRIVATE_HOSTS',
        'FAL_KEY',
        'METRICS_TOKEN',
        'FAL_WEBHOOK_SECRET',
      ]);
      expect(result.stderr).toMatch(/^Invalid configuration:$/m);
      expect(result.stderr).toContain('UNSAFE_ALLOW_FAL_SIM_IN_PRODUCTION=true');
      expect(result.stdout).not.toContain('listening');
    },
  );
});

describe('start-up in production on fal-sim, when told to', () => {
  it.each(['apps/api/src/main.js', 'apps/worker/src/main.js'])(
    '%s starts and warns loudly that it trusts fal-sim',
    async (entry) => {
      const app = startNode(entry, {
        NODE_ENV: 'production',
        LOG_LEVEL: 'info',
        API_PORT: '0',
        WORKER_HEALTH_PORT: '0',
        FAL_KEY: '',
        UNSAFE_ALLOW_FAL_SIM_IN_PRODUCTION: 'true',
        METRICS_TOKEN: 'config-test-metrics-token',
        FAL_WEBHOOK_SECRET: 'config-test-webhook-secret-0123456789abcdef',
      });
      try {
        // Both lines, in whichever order the logger flushes them (the warning once came after
        // "listening" on a loaded CI machine); a missing warning still times out and fails.
        const output = await waitFor(
          () => app.output(),
          (text) =>
            /listening|worker started/.test(text) &&
            /UNSAFE_ALLOW_FAL_SIM_IN_PRODUCTION=true/.test(text),
          { timeoutMs: 30_000, describe: `${entry} to start and warn` },
        ).catch(() => app.output());
        expect(output).toMatch(/"level":40.*UNSAFE_ALLOW_FAL_SIM_IN_PRODUCTION=true/);
      } finally {
        app.child.kill('SIGTERM');
        await waitForExit(app.child, 20_000);
      }
    },
  );
});
