import { hashApiToken } from '@app/auth';
import { dataSourceOptions, preparedQuery } from '@app/database';
import { CreditsService } from '@app/credits';
import { InfographCreationService, InfographStateService } from '@app/infographs';
import { Client } from 'pg';
import { DataSource } from 'typeorm';

import { aUserWithCredits } from '../support/factories';
import { Flow, startFlow } from '../support/flow';
import { assertLedgerConsistent } from '../support/ledger';
import { PgBouncer } from '../support/pgbouncer';
import { testConfig } from '../support/test-app';
import { waitFor } from '../support/wait-for';

/**
 * The product behind a real PgBouncer 1.18 in transaction mode, where each transaction may run on
 * a different server connection: no named prepared statements, no session settings, no LISTEN.
 * DATABASE_POOLER=transaction copes; the first tests show what goes wrong without it.
 */
describe('through PgBouncer in transaction mode', () => {
  // Postgres itself (under TEST_DATABASE_POOLER=pgbouncer, DATABASE_URL is already a pooler).
  const direct = (process.env.DATABASE_DIRECT_URL ?? process.env.DATABASE_URL) as string;
  let bouncer: PgBouncer;
  let pooled: string;

  beforeAll(async () => {
    bouncer = await PgBouncer.start(direct, { poolSize: 3 });
    pooled = bouncer.urlFor(direct);
    // What docs/deployment.md asks of a pooled deployment: the role bounds every statement.
    const admin = new Client({ connectionString: direct });
    await admin.connect();
    const { rows } = await admin.query<{ db: string }>('SELECT current_database() AS db');
    await admin.query(
      `ALTER ROLE CURRENT_USER IN DATABASE "${rows[0].db}" SET statement_timeout = '5s'`,
    );
    await admin.end();
  });
  afterAll(() => bouncer.stop());

  describe('without DATABASE_POOLER=transaction', () => {
    it('cannot connect: PgBouncer refuses the statement_timeout sent at connect', async () => {
      const dataSource = new DataSource(
        dataSourceOptions(testConfig({ DATABASE_URL: pooled, DATABASE_POOLER: 'none' })),
      );
      await expect(dataSource.initialize()).rejects.toThrow(
        /unsupported startup parameter: statement_timeout/,
      );
    });

    it('loses named prepared statements between transactions', async () => {
      const options = dataSourceOptions(
        testConfig({ DATABASE_URL: pooled, DATABASE_POOLER: 'none' }),
      );
      // As before DATABASE_POOLER existed, minus the setting PgBouncer refuses at connect.
      const dataSource = new DataSource({
        ...options,
        extra: { ...options.extra, statement_timeout: undefined },
      });
      await dataSource.initialize();
      try {
        const failures: string[] = [];
        // Many pool clients on three server connections: a client prepares on one and runs on
        // another within a few rounds (bounded: each round is a few milliseconds).
        for (let round = 0; round < 50 && failures.length === 0; round += 1) {
          const outcomes = await Promise.allSettled(
            Array.from({ length: 40 }, (_, i) =>
              preparedQuery(dataSource, 'SELECT $1::int AS n', [i]),
            ),
          );
          for (const outcome of outcomes) {
            if (outcome.status === 'rejected') {
              failures.push((outcome.reason as Error).message);
            }
          }
        }
        expect(failures.join('\n')).toMatch(/prepared statement "q_\w+" (does not|already) exist/);
      } finally {
        await dataSource.destroy();
      }
    });
  });

  describe('with DATABASE_POOLER=transaction', () => {
    let flow: Flow;

    beforeAll(async () => {
      flow = await startFlow({
        DATABASE_URL: pooled,
        DATABASE_DIRECT_URL: direct,
        DATABASE_POOLER: 'transaction',
        // Long enough that only a revocation notice can drop a cached token within a test.
        AUTH_CACHE_SECONDS: '60',
      });
    });
    afterEach(() => assertLedgerConsistent(flow.api.dataSource));
    afterAll(() => flow.close());

    it('runs the statements it used to prepare, many at once', async () => {
      const outcomes = await Promise.allSettled(
        Array.from({ length: 200 }, (_, i) =>
          preparedQuery(flow.api.dataSource, 'SELECT $1::int AS n', [i]),
        ),
      );
      expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    });

    it('creates infographs for several users at once and completes every one', async () => {
      const users = await Promise.all([1, 2, 3].map(() => aUserWithCredits(flow.api.app, 5)));
      const created = await Promise.all(
        users.map(({ token }) =>
          flow.api.request('POST', '/api/infographs/create/', {
            token,
            body: {
              prompt: 'Pooled',
              aspect_ratio: '1:1',
              resolution: '1K',
              number_of_infographs: 2,
            },
          }),
        ),
      );
      expect(created.map((r) => r.status)).toEqual([201, 201, 201]);
      for (const [i, { token }] of users.entries()) {
        for (const { id } of created[i].body.infographs as { id: string }[]) {
          expect((await flow.waitForTerminal(token, id)).status).toBe('completed');
        }
        expect((await flow.api.request('GET', '/api/credits/', { token })).body.balance).toBe(3);
      }
    });

    it('fails and refunds an infograph exactly once, even when failure runs three times at once', async () => {
      const { user } = await aUserWithCredits(flow.api.app, 4);
      // Created without queueing its job, so only these failures touch it.
      const { response } = await flow.api.app
        .get(InfographCreationService)
        .create(
          user.id,
          { prompt: 'p', blogUrl: null, aspectRatio: '1:1', resolution: '4K', count: 1 },
          (made) => made,
        );
      const state = flow.api.app.get(InfographStateService);
      const outcomes = await Promise.all(
        [1, 2, 3].map(() =>
          state.failAndRefund(response.ids[0], {
            code: 'internal_error',
            reason: 'test failure',
            reasonClass: 'other',
          }),
        ),
      );
      expect(outcomes.filter(Boolean)).toHaveLength(1);
      expect(await flow.api.app.get(CreditsService).balanceOf(user.id)).toBe(4);
    });

    it('drops a revoked token at once: LISTEN runs on a direct connection of its own', async () => {
      const { token } = await aUserWithCredits(flow.api.app, 0);
      const me = () => flow.api.request('GET', '/api/me/', { token });
      expect((await me()).status).toBe(200);
      // What `token:revoke` does, here through the pooler: the UPDATE and the NOTIFY at once.
      await flow.api.dataSource.query(
        `WITH revoked AS (UPDATE api_tokens SET revoked_at = now() WHERE token_hash = $1
                          RETURNING token_hash)
         SELECT pg_notify('api_token_revoked', token_hash) FROM revoked`,
        [hashApiToken(token)],
      );
      const refused = await waitFor(me, (r) => r.status === 401, {
        timeoutMs: 3_000,
        intervalMs: 20,
        describe: 'the revocation notice (the cached entry would live 60 s)',
      });
      expect(refused.body.message).toMatch(/revoked/);
    });

    it('still bounds every statement: the role carries statement_timeout', async () => {
      // Several at once, so several server connections answer.
      const rows = await Promise.all(
        Array.from({ length: 10 }, () =>
          flow.api.dataSource.query<{ statement_timeout: string }[]>('SHOW statement_timeout'),
        ),
      );
      expect(new Set(rows.map(([row]) => row.statement_timeout))).toEqual(new Set(['5s']));
    });
  });
});
