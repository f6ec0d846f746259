// Runs the chaos suite alone: the repository's e2e project (same transform, global setup and
// environment), matching test/chaos. `CHAOS_PROFILE=full npx jest -c test/chaos/jest.config.js`.
const root = require('../../jest.config.js');

const e2e = root.projects.find((p) => p.displayName === 'e2e');

module.exports = {
  ...e2e,
  displayName: 'chaos',
  testMatch: ['<rootDir>/test/chaos/**/*.e2e-spec.ts'],
  testTimeout: 600000,
};
