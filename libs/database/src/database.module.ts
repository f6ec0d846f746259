import { AppConfig } from '@app/config';
import { DynamicModule, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

import { dataSourceOptions } from './data-source-options';

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
