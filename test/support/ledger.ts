import { checkLedger } from '@app/credits';
import type { DataSource } from 'typeorm';

/** Fails the test with every broken credit invariant, if any. */
export async function assertLedgerConsistent(dataSource: DataSource): Promise<void> {
  expect(await checkLedger(dataSource)).toEqual([]);
}
