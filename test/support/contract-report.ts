// After each e2e and browser test file: its count of responses checked against the OpenAPI
// document (contract-check.ts), left for global teardown to sum and print. A file whose every
// response skipped the check fails: skipping is for the odd raw request, not a whole suite.
import { contractTally, recordTally } from './contract-tally';

afterAll(() => {
  recordTally(expect.getState().testPath ?? 'unknown');
  if (contractTally.skipped > 0 && contractTally.checked === 0) {
    throw new Error(
      `None of this file's ${contractTally.skipped} responses was checked against the OpenAPI document (all passed skipContractCheck).`,
    );
  }
});
