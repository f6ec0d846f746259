// Compares the entities with the schema the migrations build, on a scratch database.
//   --check: exit 1 if a migration is missing (CI).  Without it: print the SQL a new migration needs.
import { randomBytes } from 'node:crypto';

import { loadConfig, loadDotEnv } from '@app/config';
import { dataSourceOptions } from '@app/database';
import { Client } from 'pg';
import { DataSource } from 'typeorm';

async function main(): Promise<void> {
  loadDotEnv();
  const config = loadConfig();
  const scratch = `ainfographic_schema_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: withDatabase(config.database.url, 'postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${scratch}`);
  const ds = new DataSource(
    dataSourceOptions(config, { url: withDatabase(config.database.url, scratch) }),
  );
  try {
    await ds.initialize();
    await ds.runMigrations();
    const sql = await ds.driver.createSchemaBuilder().log();
    const pending = sql.upQueries.map((q) => `${q.query};`);
    if (process.argv.includes('--check')) {
      if (pending.length > 0) {
        console.error(`Entities and migrations differ; a migration needs:\n${pending.join('\n')}`);
        process.exitCode = 1;
      } else {
        console.log('Migrations match the entities.');
      }
    } else {
      console.log(pending.length ? pending.join('\n') : '-- nothing to migrate');
    }
  } finally {
    if (ds.isInitialized) {
      await ds.destroy();
    }
    await admin.query(`DROP DATABASE IF EXISTS ${scratch}`);
    await admin.end();
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
