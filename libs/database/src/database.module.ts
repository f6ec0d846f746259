import { AppConfig } from '@app/config';
import { DynamicModule, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

import { NAMED_STATEMENTS, dataSourceOptions } from './data-source-options';

/** The Postgres connection for a Nest app, built from the validated config. */
@Module({})
export class DatabaseModule {
  static forRoot(): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [AppConfig],
          // Retry the first connection only briefly: start-up should fail loudly, not hang.
          useFactory: (config: AppConfig) => ({
            ...dataSourceOptions(config),
            retryAttempts: 2,
            retryDelay: 1000,
          }),
          dataSourceFactory: async (options) => {
            const dataSource = await new DataSource(options!).initialize();
            neverCrashOnConnectionErrors((dataSource.driver as PostgresDriver).master as Pool);
            await warnIfStatementsUnbounded(dataSource);
            return dataSource;
          },
        }),
      ],
    };
  }
}

/**
 * A connection Postgres cuts (a restart, a failover, pg_terminate_backend) emits 'error' on its
 * client; with no listener at that instant, Node ends the process. pg-pool listens while a client
 * is idle and TypeORM while it holds one, but a client can sit between the two (seen under load,
 * when Postgres cut connections twice within seconds). Every client gets a listener of its own:
 * the error still reaches the query that was running, and the pool still drops the client.
 */
function neverCrashOnConnectionErrors(pool: Pool): void {
  const logger = new Logger('Database');
  pool.on('connect', (client: PoolClient) => {
    client.on('error', (error: Error) =>
      logger.warn(`a database connection failed: ${error.message}`),
    );
  });
}

/**
 * Behind a transaction-mode pooler the apps cannot set statement_timeout for their sessions (see
 * dataSourceOptions), so it must come from the role or database; without it a runaway query holds
 * a server connection, which the pooler has few of. Says so at start rather than under load.
 */
async function warnIfStatementsUnbounded(dataSource: DataSource): Promise<void> {
  const extra = (dataSource.options as { extra?: Record<string, unknown> }).extra;
  if (extra?.[NAMED_STATEMENTS] !== false) {
    return;
  }
  const [row] = await dataSource.query<{ statement_timeout: string }[]>('SHOW statement_timeout');
  if (row?.statement_timeout === '0') {
    new Logger('Database').warn(
      'DATABASE_POOLER=transaction and the role has no statement_timeout: queries through the ' +
        "pooler are unbounded on the server. Run ALTER ROLE <user> SET statement_timeout = '5s' " +
        '(docs/deployment.md, "Behind PgBouncer")',
    );
  }
}
