// Runs before every e2e test file: quiet logs unless asked for, and the test profile.
process.env.NODE_ENV = 'test';
process.env.LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? 'silent';
