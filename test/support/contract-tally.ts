// How many responses a test file checked against the OpenAPI document (contract-check.ts), and
// where each file leaves its counts for global teardown to sum. Alias-free: global teardown loads
// it outside Jest's module registry.
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

/**
 * This test file's counts (Jest gives each file its own copy of this module): responses checked,
 * skipped on purpose (`skipContractCheck`), and answers of routes outside the API (metrics, docs,
 * the queue dashboard, the web page, CORS preflights), which the document leaves out by design.
 */
export const contractTally = { checked: 0, skipped: 0, outside: 0 };

/** One folder per run. */
export function tallyFolder(run = process.env.AINFOGRAPHIC_TEST_RUN ?? 'local'): string {
  return join(tmpdir(), `ainfographic-contract-${run}`);
}

export function recordTally(testPath: string): void {
  if (contractTally.checked + contractTally.skipped + contractTally.outside === 0) {
    return;
  }
  mkdirSync(tallyFolder(), { recursive: true });
  writeFileSync(
    join(tallyFolder(), `${basename(testPath)}-${process.pid}-${Date.now()}.json`),
    JSON.stringify(contractTally),
  );
}
