import { ApiTokensService, hashApiToken } from '@app/auth';

import { aUserWithCredits } from '../support/factories';
import { TestApi, startTestApi } from '../support/test-app';
import { waitFor } from '../support/wait-for';

/**
 * The api keeps checked tokens in memory (no database round trip per request) yet a revocation
 * applies at once: Postgres tells every api about it, and when it cannot, nothing is cached.
 */
describe('token cache', () => {
  let api: TestApi;

  beforeAll(async () => {
    // Long enough that two requests in a row meet a cached entry even on a busy machine, short
    // enough to watch one expire.
    api = await startTestApi({ AUTH_CACHE_SECONDS: '4' });
  });

  afterAll(() => api.close());

  /** Revokes behind the api's back: the row changes, no notice is sent. */
  const revokeSilently = (token: string) =>
    api.dataSource.query(`UPDATE api_tokens SET revoked_at = now() WHERE token_hash = $1`, [
      hashApiToken(token),
    ]);

  const me = (token: string) => api.request('GET', '/api/me/', { token });

  it('answers a known token from memory, for AUTH_CACHE_SECONDS at most', async () => {
    const { token } = await aUserWithCredits(api.app, 0);
    expect((await me(token)).status).toBe(200);
    await revokeSilently(token);
    // Cached: the database was not asked again (that is the point of the cache)…
    expect((await me(token)).status).toBe(200);
    // …and the entry expires on its own even if no notice ever comes.
    await waitFor(
      () => me(token),
      (r) => r.status === 401,
      { timeoutMs: 10_000, describe: 'the cached entry to expire' },
    );
  });

  it('drops a token at once when it is revoked, even from another process', async () => {
    const { token } = await aUserWithCredits(api.app, 0);
    expect((await me(token)).status).toBe(200);
    // What `token:revoke` does from the CLI: the UPDATE and the NOTIFY in one statement.
    const record = await api.app.get(ApiTokensService).findByPlainToken(token);
    await api.dataSource.query(
      `WITH revoked AS (UPDATE api_tokens SET revoked_at = now() WHERE id = $1 RETURNING token_hash)
       SELECT pg_notify('api_token_revoked', token_hash) FROM revoked`,
      [record!.id],
    );
    // Within half the 4 s the entry would otherwise live: the notice, not the expiry, dropped it.
    const refused = await waitFor(
      () => me(token),
      (r) => r.status === 401,
      { timeoutMs: 2_000, intervalMs: 20, describe: 'the revocation notice' },
    );
    expect(refused.body.message).toMatch(/revoked/);
  });

  it('forgets every token when it stops hearing revocations, and caches again once it hears', async () => {
    const { token } = await aUserWithCredits(api.app, 0);
    expect((await me(token)).status).toBe(200);
    const cut = await api.dataSource.query<{ n: number }[]>(
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
        WHERE application_name = 'ainfographic-token-revocations' AND datname = current_database()`,
    );
    expect(cut[0].n).toBe(1);
    await revokeSilently(token);
    expect((await me(token)).status).toBe(401);

    // It reconnects by itself (LISTEN done) and caches again.
    await waitFor(
      () =>
        api.dataSource.query<unknown[]>(
          `SELECT 1 FROM pg_stat_activity
            WHERE application_name = 'ainfographic-token-revocations' AND datname = current_database()
              AND query LIKE 'LISTEN%' AND state = 'idle'`,
        ),
      (rows) => rows.length === 1,
      { timeoutMs: 5_000, describe: 'the listener to reconnect' },
    );
    const other = await aUserWithCredits(api.app, 0);
    expect((await me(other.token)).status).toBe(200);
    await revokeSilently(other.token);
    expect((await me(other.token)).status).toBe(200);
  });
});
