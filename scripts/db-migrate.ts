// Applies pending migrations to the configured database (creating the database if needed), on
// DATABASE_DIRECT_URL: a transaction-mode pooler in between would split a migration's session.
import { loadConfigOrExit } from '@app/config';
import { dataSourceOptions } from '@app/database';
import { DataSource } from 'typeorm';

import { ensureDatabase } from './ensure-services';

export async function migrate(databaseUrl: string, config = loadConfigOrExit()): Promise<string[]> {
  await ensureDatabase(databaseUrl);
  const ds = new DataSource(dataSourceOptions(config, { url: databaseUrl }));
  await ds.initialize();
  try {
    const applied = await ds.runMigrations();
    return applied.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}

if (require.main === module) {
  const config = loadConfigOrExit();
  migrate(config.database.directUrl, config).then(
    (applied) =>
      console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date.'),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
