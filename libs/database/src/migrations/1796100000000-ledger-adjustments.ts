import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The `adjustment` ledger reason (an operator's correction, `credits:adjust`): either sign, never
 * zero. The balance itself still cannot go below zero (`ck_users_balance_non_negative`).
 */
export class LedgerAdjustments1796100000000 implements MigrationInterface {
  name = 'LedgerAdjustments1796100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "credit_ledger" DROP CONSTRAINT "ck_credit_ledger_reason"`,
    );
    await queryRunner.query(`ALTER TABLE "credit_ledger" DROP CONSTRAINT "ck_credit_ledger_sign"`);
    await queryRunner.query(
      `ALTER TABLE "credit_ledger" ADD CONSTRAINT "ck_credit_ledger_reason" CHECK ("reason" IN ('grant', 'purchase', 'charge', 'refund', 'adjustment'))`,
    );
    await queryRunner.query(
      `ALTER TABLE "credit_ledger" ADD CONSTRAINT "ck_credit_ledger_sign" CHECK (("reason" = 'charge' AND "amount" <= 0) OR ("reason" = 'adjustment' AND "amount" <> 0) OR ("reason" NOT IN ('charge', 'adjustment') AND "amount" >= 0))`,
    );
  }

  // Fails while adjustment rows exist, on purpose: deleting ledger rows would break
  // balance = sum(ledger).
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "credit_ledger" DROP CONSTRAINT "ck_credit_ledger_sign"`);
    await queryRunner.query(
      `ALTER TABLE "credit_ledger" DROP CONSTRAINT "ck_credit_ledger_reason"`,
    );
    await queryRunner.query(
      `ALTER TABLE "credit_ledger" ADD CONSTRAINT "ck_credit_ledger_reason" CHECK ("reason" IN ('grant', 'purchase', 'charge', 'refund'))`,
    );
    await queryRunner.query(
      `ALTER TABLE "credit_ledger" ADD CONSTRAINT "ck_credit_ledger_sign" CHECK (("reason" = 'charge' AND "amount" <= 0) OR ("reason" <> 'charge' AND "amount" >= 0))`,
    );
  }
}
