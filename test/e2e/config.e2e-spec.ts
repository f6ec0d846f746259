import { runNode } from '../support/processes';

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
