// Drops the run's databases (its template and each test file's copy, see test-env.ts, and any
// scratch database a test made from one) and deletes every Redis key under the run's prefix.
import IORedis from 'ioredis';
import { Client } from 'pg';

import { databaseName, withDatabase } from '../../scripts/ensure-services';

export default async function globalTeardown(): Promise<void> {
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
