// A migrated database of a test's own, for breaking on purpose: checkLedger reads a whole database,
// so a broken row in the file's database would fail the file's other tests.
import { ENTITIES } from '@app/database';
import { DataSource } from 'typeorm';

/* eslint-disable-next-line no-restricted-imports -- MIGRATIONS is not exported by @app/database */
import { MIGRATIONS } from '../../libs/database/src/migrations';
import { databaseName, ensureDatabase, withDatabase } from '../../scripts/ensure-services';

/**
 * Registers hooks that create `<file database>_<label>` before the describe block's tests and drop
 * it after. `db()` gives the connection (inside a test), `url` the address for spawned processes.
 */
export function scratchDatabase(label: string): { db: () => DataSource; url: string } {
  const base = process.env.DATABASE_URL as string;
  const url = withDatabase(base, `${databaseName(base)}_${label}`);
  let db: DataSource | undefined;

  beforeAll(async () => {
    await ensureDatabase(url);
    db = new DataSource({ type: 'postgres', url, entities: ENTITIES, migrations: MIGRATIONS });
    await db.initialize();
    await db.runMigrations();
  });
  afterAll(async () => {
    await db?.destroy();
    const admin = new DataSource({ type: 'postgres', url: withDatabase(url, 'postgres') });
    await admin.initialize();
    await admin.query(`DROP DATABASE IF EXISTS "${databaseName(url)}" WITH (FORCE)`);
    await admin.destroy();
  });

  return {
    url,
    db: () => {
      if (!db) {
        throw new Error(`the scratch database ${label} is not ready (use it inside a test)`);
      }
      return db;
    },
  };
}
