// Drops the run's databases (its template and each test file's copy, see test-env.ts, and any
// scratch database a test made from one) and deletes every Redis key under the run's prefix.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import IORedis from 'ioredis';
import { Client } from 'pg';

import { databaseName, withDatabase } from '../../scripts/ensure-services';
import { tallyFolder } from './contract-tally';

export default async function globalTeardown(): Promise<void> {
  reportContractChecks();
  await (globalThis as { testPgBouncer?: { stop(): Promise<void> } }).testPgBouncer?.stop();
  const databaseUrl = process.env.DATABASE_URL;
  const prefix = process.env.QUEUE_PREFIX;
  if (process.env.KEEP_TEST_DATA || !databaseUrl || !prefix?.startsWith('ainfographic-test-')) {
    return;
  }
  const admin = new Client({ connectionString: withDatabase(databaseUrl, 'postgres') });
  await admin.connect();
  const { rows } = await admin.query<{ datname: string }>(
    'SELECT datname FROM pg_database WHERE starts_with(datname, $1)',
    [databaseName(databaseUrl)],
  );
  for (const { datname } of rows) {
    await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  }
  await admin.end();

  const redis = new IORedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) {
      await redis.del(...keys);
    }
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
}

/**
 * Sums what each test file checked against the OpenAPI document (contract-check.ts) and says so,
 * so a run that quietly checked nothing shows; fails the run if it made requests but checked none.
 */
function reportContractChecks(): void {
  const folder = tallyFolder();
  let files: string[];
  try {
    files = readdirSync(folder);
  } catch {
    return;
  }
  const total = { checked: 0, skipped: 0, outside: 0 };
  for (const file of files) {
    const tally = JSON.parse(readFileSync(join(folder, file), 'utf8')) as typeof total;
    total.checked += tally.checked;
    total.skipped += tally.skipped;
    total.outside += tally.outside ?? 0;
  }
  rmSync(folder, { recursive: true, force: true });
  process.stdout.write(
    `\nOpenAPI contract: ${total.checked} responses from ${files.length} test files matched the document (${total.skipped} skipped on purpose, ${total.outside} from routes outside the API).\n`,
  );
  if (total.checked === 0) {
    throw new Error('No response was checked against the OpenAPI document.');
  }
}
