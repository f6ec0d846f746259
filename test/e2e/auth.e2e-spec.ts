import { ApiTokensService } from '@app/auth';

import { aUserWithCredits } from '../support/factories';
import { TestApi, startTestApi } from '../support/test-app';

describe('token auth', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it('answers /api/me/ for a valid token, with or without the trailing slash, Token or Bearer', async () => {
    const { user, token } = await aUserWithCredits(api.app, 7);
    const withSlash = await api.request('GET', '/api/me/', { token });
    expect(withSlash.status).toBe(200);
    expect(withSlash.body).toMatchObject({
      id: user.id,
      email: user.email,
      balance: 7,
      is_admin: false,
    });
    const bearer = await api.request('GET', '/api/me', {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(bearer.status).toBe(200);
    expect(bearer.body.id).toBe(user.id);
  });

  it('refuses a missing token with 401 and a message saying what to send', async () => {
    const res = await api.request('GET', '/api/me/');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    expect(res.body.message).toMatch(/Authorization: Token/);
  });

  it.each([
    ['a wrong token', 'Token aig_not_a_real_token_at_all_123456'],
    ['a malformed header', 'Basic dXNlcjpwYXNz'],
    ['a scheme with no token', 'Token'],
  ])('refuses %s with 401', async (_name, header) => {
    const res = await api.request('GET', '/api/credits/', { headers: { authorization: header } });
    expect(res.status).toBe(401);
    expect(typeof res.body.message).toBe('string');
  });

  it('refuses a revoked token, while the user’s other token keeps working', async () => {
    const { user, token } = await aUserWithCredits(api.app, 0);
    const tokens = api.app.get(ApiTokensService);
    const second = await tokens.issue(user.id, { name: 'second' });
    const record = await tokens.findByPlainToken(token);
    expect(await tokens.revoke(record!.id)).toBe(true);

    const revoked = await api.request('GET', '/api/me/', { token });
    expect(revoked.status).toBe(401);
    expect(revoked.body.message).toMatch(/revoked/);
    expect((await api.request('GET', '/api/me/', { token: second.token })).status).toBe(200);
  });

  it('stores only a hash of each token', async () => {
    const { token } = await aUserWithCredits(api.app, 0);
    const rows = await api.dataSource.query<{ token_hash: string }[]>(
      `SELECT token_hash FROM api_tokens WHERE token_prefix = $1`,
      [token.slice(0, 12)],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0].token_hash).not.toContain(token.slice(4));
  });

  it('shows balance and recent ledger entries at /api/credits/', async () => {
    const { token } = await aUserWithCredits(api.app, 5);
    const res = await api.request('GET', '/api/credits', { token });
    expect(res.status).toBe(200);
    expect(res.body.balance).toBe(5);
    expect(res.body.entries).toEqual([
      expect.objectContaining({
        amount: 5,
        reason: 'grant',
        note: 'test credits',
        infograph_id: null,
      }),
    ]);
  });

  it('answers 404 in the error shape for an unknown route', async () => {
    const { token } = await aUserWithCredits(api.app, 0);
    const res = await api.request('GET', '/api/nope/', { token });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });
});
