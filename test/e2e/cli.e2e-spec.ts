import { runNode } from '../support/processes';
import { TestApi, startTestApi } from '../support/test-app';

const cli = (...args: string[]) => runNode('scripts/cli.js', args);

describe('CLI', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it('creates a user whose printed token works, grants credits, lists users and checks the ledger', async () => {
    const email = `cli-${Date.now()}@test.local`;
    const created = await cli('user:create', '--email', email, '--credits', '5');
    expect(created.code).toBe(0);
    const token = /API token \(shown once\): (\S+)/.exec(created.stdout)?.[1];
    expect(token).toMatch(/^aig_/);

    const me = await api.request('GET', '/api/me/', { token });
    expect(me.body).toMatchObject({ email, balance: 5 });

    const granted = await cli(
      'credits:grant',
      '--email',
      email.toUpperCase(),
      '--amount',
      '3',
      '--note',
      'promo',
    );
    expect(granted.code).toBe(0);
    expect(granted.stdout).toContain('balance is now 8');
    const ledger = await api.request('GET', '/api/credits/', { token });
    const amounts = (ledger.body.entries as { amount: number }[]).map((e) => e.amount);
    expect(amounts).toEqual([3, 5]);

    const listed = await cli('users:list');
    expect(listed.stdout).toMatch(new RegExp(`\\s8\\s.*${email}`));
    expect((await cli('credits:check')).stdout).toContain('Ledger check passed');
  });

  it('creates a second token, and revokes one', async () => {
    const email = `cli2-${Date.now()}@test.local`;
    await cli('user:create', '--email', email);
    const second = await cli('token:create', '--email', email, '--name', 'laptop');
    const token = /API token \(shown once\): (\S+)/.exec(second.stdout)?.[1];
    const tokenId = /Token (\S+) \(laptop\)/.exec(second.stdout)?.[1];
    expect((await api.request('GET', '/api/me/', { token })).status).toBe(200);

    expect((await cli('token:revoke', '--id', tokenId!)).code).toBe(0);
    expect((await api.request('GET', '/api/me/', { token })).status).toBe(401);
    expect((await cli('token:list', '--email', email)).stdout).toContain('revoked');
  });

  it.each([
    [[], /Usage: npm run cli/],
    [['nope'], /Unknown command "nope"/],
    [['user:create'], /--email is required/],
    [['user:create', '--email', 'x@y', '--bogus'], /Unknown option '--bogus'/],
    [['user:create', '--email', 'not-an-email'], /is not an e-mail address/],
    [['credits:grant', '--email', 'a@b', '--amount', '-4'], /--amount/],
  ])('prints usage and exits non-zero for %j', async (args, message) => {
    const result = await cli(...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('refuses a duplicate user and a grant to an unknown user', async () => {
    const email = `dup-${Date.now()}@test.local`;
    expect((await cli('user:create', '--email', email)).code).toBe(0);
    const again = await cli('user:create', '--email', email);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');
    const unknown = await cli('credits:grant', '--email', 'ghost@test.local', '--amount', '1');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('No user with e-mail ghost@test.local');
  });
});
