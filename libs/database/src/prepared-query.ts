import { createHash } from 'node:crypto';

import { DataSource, EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

import { NAMED_STATEMENTS } from './data-source-options';

interface Queryable {
  query<Row>(config: { name?: string; text: string; values: unknown[] }): Promise<{ rows: Row[] }>;
}

/** More distinct texts than this means a caller builds SQL from data: stop preparing them. */
const MAX_PREPARED = 500;
const names = new Map<string, string>();

/**
 * Runs a fixed SQL text as a named prepared statement, so Postgres parses and plans it once per
 * connection instead of on every call: for the statements that run on every request or job.
 * `text` must be a constant (values go in `values`); errors are pg's own (with their `code`).
 * With an EntityManager inside a transaction, the statement runs in that transaction. Behind a
 * transaction-mode pooler (DATABASE_POOLER=transaction) it runs unnamed, planned every time.
 */
export async function preparedQuery<Row>(
  target: DataSource | EntityManager,
  text: string,
  values: unknown[],
): Promise<Row[]> {
  const result = await (
    await queryableOf(target)
  ).query<Row>({
    name: namedStatements(target) ? nameOf(text) : undefined,
    text,
    values,
  });
  return result.rows;
}

/** False behind a transaction-mode pooler: the next call may land on a connection without it. */
function namedStatements(target: DataSource | EntityManager): boolean {
  const dataSource = target instanceof EntityManager ? target.connection : target;
  const extra = (dataSource.options as { extra?: Record<string, unknown> }).extra;
  return extra?.[NAMED_STATEMENTS] !== false;
}

function nameOf(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < MAX_PREPARED) {
    name = `q_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    names.set(text, name);
  }
  return name;
}

async function queryableOf(target: DataSource | EntityManager): Promise<Queryable> {
  if (target instanceof EntityManager && target.queryRunner?.isTransactionActive) {
    return (await target.queryRunner.connect()) as Queryable;
  }
  const dataSource = target instanceof EntityManager ? target.connection : target;
  return (dataSource.driver as PostgresDriver).master as Queryable;
}
