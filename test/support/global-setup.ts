// Creates a database and a Redis key prefix for this test run, so tests never touch a developer's
// data, and migrates the database with the same migrations as production.
// Relative imports: Jest loads this file outside the module registry, where @app/* aliases do not
// resolve; everything imported here is alias-free at runtime.
import { randomBytes } from 'node:crypto';

import { DataSource } from 'typeorm';

/* eslint-disable no-restricted-imports */
import { ENTITIES } from '../../libs/database/src/entities';
import { MIGRATIONS } from '../../libs/database/src/migrations';
/* eslint-enable no-restricted-imports */
import { ensureDatabase, ensureRedis, withDatabase } from '../../scripts/ensure-services';
import { PgBouncer } from './pgbouncer';

export default async function globalSetup(): Promise<void> {
  // Each Jest project (e2e, browser) runs this; they share one scratch database and prefix.
  if (process.env.AINFOGRAPHIC_TEST_RUN) {
    return;
  }
  const base = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/ainfographic';
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const run = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const databaseUrl = withDatabase(base, `ainfographic_test_${run}`);

  await ensureRedis(redisUrl);
  await ensureDatabase(databaseUrl);
  const ds = new DataSource({
    type: 'postgres',
    url: databaseUrl,
    entities: ENTITIES,
    migrations: MIGRATIONS,
  });
  await ds.initialize();
  await ds.runMigrations();
  await ds.destroy();

  // Test workers and the child processes tests start inherit these.
  process.env.DATABASE_URL = databaseUrl;
  process.env.REDIS_URL = redisUrl;
  process.env.QUEUE_PREFIX = `ainfographic-test-${run}`;
  process.env.AINFOGRAPHIC_TEST_RUN = run;

  // TEST_DATABASE_POOLER=pgbouncer: every test file (and what it spawns) reaches Postgres through
  // one PgBouncer in transaction mode, as a pooled deployment does (test-env.ts); global teardown
  // stops it.
  if (process.env.TEST_DATABASE_POOLER === 'pgbouncer') {
    const bouncer = await PgBouncer.start(databaseUrl);
    (globalThis as { testPgBouncer?: PgBouncer }).testPgBouncer = bouncer;
    process.env.TEST_PGBOUNCER_PORT = String(bouncer.port);
  }
}
