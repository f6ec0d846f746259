import type { AppConfig } from '@app/config';
import type { DataSourceOptions } from 'typeorm';

import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

/**
 * One definition of the database connection, used by Nest, the CLI, migrations and tests.
 * The schema only ever changes through migrations: `synchronize` stays off.
 */
export function dataSourceOptions(
  config: AppConfig,
  overrides: Partial<DataSourceOptions> = {},
): DataSourceOptions {
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
      statement_timeout: 5000,
      application_name: `ainfographic`,
    },
    ...overrides,
  } as DataSourceOptions;
}
