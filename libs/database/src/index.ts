export * from './entities';
export { dataSourceOptions } from './data-source-options';
export { DatabaseModule } from './database.module';
export { MIGRATIONS } from './migrations';
export { preparedQuery } from './prepared-query';
