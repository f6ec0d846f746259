// Runs before every e2e and browser test file: quiet logs unless asked for, the test profile, and
// a database and Redis key prefix of the file's own, so no file's reconciler, queues or counts
// ever see rows or jobs another file left behind, whatever order the files run in.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

import { databaseName, withDatabase } from '../../scripts/ensure-services';

process.env.NODE_ENV = 'test';
process.env.LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? 'silent';
// Infograph e-mails go at once unless a test is about their wait (test/e2e/notifications).
process.env.NOTIFY_EMAIL_DELAY_MS ??= '0';

const runDatabaseUrl = process.env.DATABASE_URL;
if (process.env.AINFOGRAPHIC_TEST_RUN && runDatabaseUrl) {
  const file = randomBytes(3).toString('hex');
  const template = databaseName(runDatabaseUrl);
  const own = `${template}_${file}`;
  const pgBouncerPort = process.env.TEST_PGBOUNCER_PORT;
  // The run's database is migrated once by global setup and never connected to by a test, so it
  // can serve as the template: a copy is far cheaper than migrating again. Jest's setup files
  // cannot wait on a promise, hence a child process (about 0.2 s per file).
  execFileSync(
    process.execPath,
    [
      '-e',
      `const { Client } = require('pg');
       const admin = new Client({ connectionString: process.argv[1] });
       admin.connect()
         .then(async () => { for (const sql of process.argv.slice(2)) await admin.query(sql); })
         .finally(() => admin.end())
         .catch((error) => { console.error(error.message); process.exit(1); });`,
      withDatabase(runDatabaseUrl, 'postgres'),
      `CREATE DATABASE "${own}" TEMPLATE "${template}"`,
      // Through a pooler the apps cannot set it per session; the role carries it, as in
      // docs/deployment.md.
      ...(pgBouncerPort
        ? [`ALTER ROLE CURRENT_USER IN DATABASE "${own}" SET statement_timeout = '5s'`]
        : []),
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  // Jest gives each test file its own copy of process.env, so these stay with this file (and the
  // processes it spawns); global teardown drops every database and key the run made.
  process.env.DATABASE_URL = withDatabase(runDatabaseUrl, own);
  if (pgBouncerPort) {
    // TEST_DATABASE_POOLER=pgbouncer (global-setup.ts): the apps' pool goes through PgBouncer,
    // LISTEN and migrations straight to Postgres, as DATABASE_POOLER=transaction deployments do.
    process.env.DATABASE_DIRECT_URL = process.env.DATABASE_URL;
    const pooled = new URL(process.env.DATABASE_URL);
    pooled.port = pgBouncerPort;
    process.env.DATABASE_URL = pooled.toString();
    process.env.DATABASE_POOLER = 'transaction';
  }
  process.env.QUEUE_PREFIX = `${process.env.QUEUE_PREFIX}-${file}`;
}
