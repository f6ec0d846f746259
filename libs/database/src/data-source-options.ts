import type { AppConfig } from '@app/config';
import type { DataSourceOptions } from 'typeorm';

import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

/** Server-side bound on one statement; through a pooler, set on the role instead. */
export const STATEMENT_TIMEOUT_MS = 5000;

/**
 * Whether connections of a DataSource may keep named prepared statements: not through a pooler in
 * transaction mode, which hands each transaction to any server connection (PgBouncer before 1.21).
 */
export const NAMED_STATEMENTS = 'ainfographicNamedStatements';

/**
 * One definition of the database connection, used by Nest, the CLI, migrations and tests.
 * The schema only ever changes through migrations: `synchronize` stays off.
 */
export function dataSourceOptions(
  config: AppConfig,
  overrides: Partial<DataSourceOptions> = {},
): DataSourceOptions {
  const pooled = config.database.pooler === 'transaction';
  return {
    type: 'postgres',
    url: config.database.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    // gen_random_uuid() is built into Postgres 13+, so no extension has to be installed.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    logging: config.logLevel === 'silent' ? false : ['error'],
    extra: {
      max: config.database.poolSize,
      // Fail fast rather than hang when Postgres is unreachable; the api turns this into a 503.
      connectionTimeoutMillis: 5000,
      // A partition mid-session leaves a sent query unanswered forever: bound every query.
      query_timeout: 5000,
      // A session setting, sent when connecting: a transaction-mode pooler refuses the connection
      // ("unsupported startup parameter"), so there the role carries it (docs/deployment.md).
      ...(pooled ? {} : { statement_timeout: STATEMENT_TIMEOUT_MS }),
      application_name: `ainfographic`,
      // Read by preparedQuery; pg ignores keys it does not know.
      [NAMED_STATEMENTS]: !pooled,
    },
    ...overrides,
  } as DataSourceOptions;
}
