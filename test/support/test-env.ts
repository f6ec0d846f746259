// Runs before every e2e and browser test file: quiet logs unless asked for, the test profile, and
// a database and Redis key prefix of the file's own, so no file's reconciler, queues or counts
// ever see rows or jobs another file left behind, whatever order the files run in.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

import { databaseName, withDatabase } from '../../scripts/ensure-services';

process.env.NODE_ENV = 'test';
process.env.LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? 'silent';

const runDatabaseUrl = process.env.DATABASE_URL;
if (process.env.AINFOGRAPHIC_TEST_RUN && runDatabaseUrl) {
  const file = randomBytes(3).toString('hex');
  const template = databaseName(runDatabaseUrl);
  const own = `${template}_${file}`;
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
         .then(() => admin.query(process.argv[2]))
         .finally(() => admin.end())
         .catch((error) => { console.error(error.message); process.exit(1); });`,
      withDatabase(runDatabaseUrl, 'postgres'),
      `CREATE DATABASE "${own}" TEMPLATE "${template}"`,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  // Jest gives each test file its own copy of process.env, so these stay with this file (and the
  // processes it spawns); global teardown drops every database and key the run made.
  process.env.DATABASE_URL = withDatabase(runDatabaseUrl, own);
  process.env.QUEUE_PREFIX = `${process.env.QUEUE_PREFIX}-${file}`;
}
