import { failureMessage, InfographStateService } from '@app/infographs';

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

  it('corrects a balance both ways through the ledger, refuses to go below zero, and still checks out', async () => {
    const email = `adjust-${Date.now()}@test.local`;
    const created = await cli('user:create', '--email', email, '--credits', '5');
    const token = /API token \(shown once\): (\S+)/.exec(created.stdout)?.[1];

    const down = await cli('credits:adjust', '--email', email, '--amount', '-3', '--note', 'dup');
    expect(down).toMatchObject({ code: 0, stderr: '' });
    expect(down.stdout).toBe(`Adjusted ${email} by -3 credits; balance is now 2.\n`);
    const up = await cli(
      'credits:adjust',
      '--email',
      email,
      '--amount',
      '+4',
      '--note',
      'goodwill',
    );
    expect(up.stdout).toContain('by +4 credits; balance is now 6.');

    const past = await cli('credits:adjust', '--email', email, '--amount', '-7', '--note', 'oops');
    expect(past.code).toBe(1);
    expect(past.stdout).toBe('');
    expect(past.stderr).toBe(
      'Cannot take 7 credits: the balance is 6, and a balance cannot go below zero.\n',
    );

    const ledger = await api.request('GET', '/api/credits/', { token });
    expect(ledger.body.balance).toBe(6);
    expect(
      (ledger.body.entries as { amount: number; reason: string; note: string }[]).map((e) => [
        e.reason,
        e.amount,
        e.note,
      ]),
    ).toEqual([
      ['adjustment', 4, 'goodwill'],
      ['adjustment', -3, 'dup'],
      ['grant', 5, 'starting credits'],
    ]);
    expect((await cli('credits:check')).stdout).toBe('Ledger check passed.\n');
  });

  it("re-runs a user's failed infograph as a new, charged one; --free grants the cost first", async () => {
    const email = `rerun-${Date.now()}@test.local`;
    const created = await cli('user:create', '--email', email, '--credits', '1');
    const token = /API token \(shown once\): (\S+)/.exec(created.stdout)?.[1];
    const made = await api.request('POST', '/api/infographs/create/', {
      token,
      body: { prompt: 'again please', aspect_ratio: '1:1' },
    });
    const id = made.body.infographs[0].id as string;
    // No worker here: fail it the way a job would (failed and refunded once).
    await api.app.get(InfographStateService).failAndRefund(id, {
      code: 'generation_failed',
      reason: failureMessage('generation_failed'),
      reasonClass: 'fal_error',
    });

    const charged = await cli('infograph:rerun', '--id', id);
    expect(charged).toMatchObject({ code: 0, stderr: '' });
    const newId = new RegExp(
      `Re-ran failed infograph ${id} \\(generation_failed\\) for ${email} as (\\S+)\\.`,
    ).exec(charged.stdout)?.[1];
    expect(charged.stdout).toContain('Charged 1 credits; balance is now 0.');
    const fresh = await api.request('GET', `/api/infographs/status/${newId}/`, { token });
    expect(fresh.body).toMatchObject({
      status: 'pending',
      prompt: 'again please',
      aspect_ratio: '1:1',
    });

    const short = await cli('infograph:rerun', '--id', id);
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/--free/);

    const free = await cli('infograph:rerun', '--id', id, '--free', '--note', 'ticket 7', '--json');
    expect(free.code).toBe(0);
    expect(JSON.parse(free.stdout)).toMatchObject({ charged: 1, granted: 1, balance: 0 });
    const ledger = await api.request('GET', '/api/credits/', { token });
    expect(
      (ledger.body.entries as { amount: number; reason: string; note: string | null }[])
        .slice(0, 2)
        .map((e) => [e.reason, e.amount, e.note])
        .sort(),
    ).toEqual([
      ['charge', -1, null],
      ['grant', 1, `free re-run of failed infograph ${id}: ticket 7`],
    ]);

    expect((await cli('infograph:rerun', '--id', newId!)).stderr).toMatch(/is pending, not failed/);
    expect((await cli('infograph:rerun', '--id', 'nope')).code).toBe(2);
    expect((await cli('credits:check')).stdout).toBe('Ledger check passed.\n');
  });

  it('prints every result as JSON with --json', async () => {
    const email = `json-${Date.now()}@test.local`;
    const created = await cli('user:create', '--email', email, '--credits', '2', '--json');
    expect(created.code).toBe(0);
    const { user, api_token } = JSON.parse(created.stdout);
    expect(user).toMatchObject({ email, balance: 2, is_admin: false });
    expect(api_token).toMatch(/^aig_/);
    expect((await api.request('GET', '/api/me/', { token: api_token })).status).toBe(200);

    const json = async (...args: string[]) => {
      const result = await cli(...args, '--json');
      expect(result.stderr).toBe('');
      return { code: result.code, body: JSON.parse(result.stdout) };
    };
    expect(await json('credits:grant', '--email', email, '--amount', '3')).toEqual({
      code: 0,
      body: { user: { id: user.id, email }, amount: 3, note: 'granted by CLI', balance: 5 },
    });
    expect(
      await json('credits:adjust', '--email', email, '--amount', '-1', '--note', 'fix'),
    ).toEqual({
      code: 0,
      body: { user: { id: user.id, email }, amount: -1, note: 'fix', balance: 4 },
    });
    const listed = await json('users:list');
    expect(listed.body.users).toContainEqual({ ...user, balance: 4 });

    const second = await json('token:create', '--email', email, '--name', 'ci');
    expect(second.body).toMatchObject({ user: { id: user.id, email }, token: { name: 'ci' } });
    const tokens = await json('token:list', '--email', email);
    expect(tokens.body.tokens.map((t: { name: string }) => t.name)).toEqual(['default', 'ci']);
    expect(tokens.body.tokens[1]).toEqual({ ...second.body.token, revoked_at: null });
    expect(JSON.stringify(tokens.body)).not.toContain(api_token);

    expect(await json('token:revoke', '--id', second.body.token.id)).toEqual({
      code: 0,
      body: { token_id: second.body.token.id, revoked: true },
    });
    expect(await json('token:revoke', '--id', second.body.token.id)).toEqual({
      code: 1,
      body: { token_id: second.body.token.id, revoked: false },
    });
    expect(await json('credits:check')).toEqual({ code: 0, body: { ok: true, problems: [] } });
  });

  it('reports failures as JSON on stderr with --json', async () => {
    const unknown = await cli(
      'credits:grant',
      '--email',
      'ghost@test.local',
      '--amount',
      '1',
      '--json',
    );
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(JSON.parse(unknown.stderr)).toMatchObject({
      error: 'No user with e-mail ghost@test.local. Create one with user:create.',
    });
    const usage = await cli('credits:adjust', '--json');
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stderr).usage).toContain('credits:adjust --email');
  });

  it.each([['--help'], ['-h'], ['help']])(
    '%s prints the usage on stdout and exits 0',
    async (arg) => {
      const result = await cli(arg);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toMatch(/^Usage: npm run cli -- <command> \[flags\]/);
      expect(result.stdout).toContain(
        'credits:adjust --email <email> --amount <+n|-n> --note <why>',
      );
    },
  );

  it.each([
    [['credits:adjust', '--help']],
    [['help', 'credits:adjust']],
    [['credits:adjust', '-h']],
  ])('%j prints that command’s usage and exits 0', async (args) => {
    const result = await cli(...args);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^Usage: npm run cli -- credits:adjust --email/);
  });

  it.each([
    [[], /Usage: npm run cli/],
    [['nope'], /Unknown command "nope"/],
    [['user:create'], /--email is required/],
    [['user:create', '--email', 'x@y', '--bogus'], /Unknown option '--bogus'/],
    [['user:create', '--email', 'not-an-email'], /is not an e-mail address/],
    [['credits:grant', '--email', 'a@b', '--amount', '-4'], /--amount/],
    [['credits:adjust', '--email', 'a@b', '--amount', '-4'], /--note is required/],
    [['credits:adjust', '--email', 'a@b', '--amount', '0', '--note', 'n'], /non-zero/],
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
