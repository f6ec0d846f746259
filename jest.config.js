// Three projects: `unit` (pure logic, *.spec.ts beside the code), `e2e` (test/e2e, real
// Postgres/Redis/fal-sim/S3/SMTP, each file in a database and Redis prefix of its own, made for the
// run and dropped after: test/support/global-setup.ts, test-env.ts, global-teardown.ts)
// and `browser` (test/browser: the web page in headless Chromium, same setup as e2e).
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  },
];

// linkedom (libs/scraper) require()s ESM-only packages; Node >= 20.19 loads those natively,
// Jest's module registry does not, so swc turns them into CommonJS for tests.
const esmOnly = [
  'linkedom',
  'css-select',
  'css-what',
  'domutils',
  'dom-serializer',
  'domhandler',
  'domelementtype',
  'entities',
  'nth-check',
  'boolbase',
  'htmlparser2',
  'cssomnom',
  'uhyphen',
  'content-disposition',
];

const shared = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc, [`/node_modules/(${esmOnly.join('|')})/.+\\.js$`]: swc },
  // The second look-ahead lets Jest reach the copy nested inside @fastify/static.
  transformIgnorePatterns: [
    `/node_modules/(?!(${esmOnly.join('|')})/)(?!@fastify/static/node_modules/)`,
  ],
  moduleNameMapper: { '^@app/([a-z-]+)$': '<rootDir>/libs/$1/src' },
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
};

// Why package.json's scripts pass `--forceExit` (checked with --detectOpenHandles and a dump of
// the process's handles after the run): each api or worker a test file boots in-process leaves
// one idle ioredis socket to 127.0.0.1:6379 open after `app.close()`, the shared BullMQ
// connection of libs/queues (QueuesModule). BullMQ never closes a connection it was handed, and
// Nest runs QueuesModule's shutdown hooks before the queues' own, so it is left open on purpose
// (see ConnectionCloser); the real apps exit right after shutdown. Jest's --detectOpenHandles
// does not list it (it was opened asynchronously by ioredis), but it keeps Jest's process alive.
// Harmless: idle, loopback, no timers, and the run's Redis keys are deleted by global teardown.
module.exports = {
  testTimeout: 60000,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/apps/**/*.spec.ts',
        '<rootDir>/libs/**/*.spec.ts',
        '<rootDir>/scripts/**/*.spec.ts',
        // The chaos run's pure helpers (its plan and judgements); the run itself is e2e.
        '<rootDir>/test/chaos/**/*.spec.ts',
        // The tests' own helpers (the OpenAPI response checker).
        '<rootDir>/test/support/**/*.spec.ts',
      ],
    },
    {
      ...shared,
      displayName: 'e2e',
      // test/chaos runs its short profile here (CHAOS_PROFILE=full: `npm run test:chaos`).
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts', '<rootDir>/test/chaos/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      setupFiles: ['<rootDir>/test/support/test-env.ts'],
      // Counts the responses checked against the OpenAPI document (test/support/contract-check.ts).
      setupFilesAfterEnv: ['<rootDir>/test/support/contract-report.ts'],
    },
    {
      // The web page in headless Chromium (Debian's `chromium`), against api + worker + fal-sim.
      ...shared,
      displayName: 'browser',
      testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      setupFiles: ['<rootDir>/test/support/test-env.ts'],
      // Counts the responses checked against the OpenAPI document (test/support/contract-check.ts).
      setupFilesAfterEnv: ['<rootDir>/test/support/contract-report.ts'],
    },
  ],
};
