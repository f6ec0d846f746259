import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Self-service accounts: passwords and verified e-mail on `users` (and `deleted_at` for deleted
 * accounts, kept anonymised for the ledger), sessions as `api_tokens` of kind `session` with an
 * expiry, single-use mailed links (`email_tokens`), and `credit_ledger.reference`, unique, so an
 * entry that may happen once (the starter credits) happens once whatever retries or races.
 *
 * Users made before this migration were all made by an operator, who vouched for their address:
 * they count as verified (and so never receive the starter credits meant for sign-ups).
 */
export class Accounts1796300000000 implements MigrationInterface {
  name = 'Accounts1796300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "email_tokens" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "purpose" character varying(32) NOT NULL, "token_hash" character(64) NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "used_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_email_tokens_purpose" CHECK ("purpose" IN ('verify_email', 'reset_password')), CONSTRAINT "PK_08abb3fa348e894c274a6730d35" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_email_tokens_token_hash" ON "email_tokens" ("token_hash")`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_email_tokens_user" ON "email_tokens" ("user_id", "purpose")`,
    );
    await queryRunner.query(
      `ALTER TABLE "email_tokens" ADD CONSTRAINT "FK_018295f41628791c301bfe8b625" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );

    await queryRunner.query(`ALTER TABLE "users" ADD "password_hash" character varying(255)`);
    await queryRunner.query(`ALTER TABLE "users" ADD "email_verified_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "users" ADD "deleted_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`UPDATE "users" SET "email_verified_at" = "created_at"`);

    await queryRunner.query(
      `ALTER TABLE "api_tokens" ADD "kind" character varying(16) NOT NULL DEFAULT 'api_key'`,
    );
    await queryRunner.query(`ALTER TABLE "api_tokens" ADD "expires_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(
      `ALTER TABLE "api_tokens" ADD CONSTRAINT "ck_api_tokens_kind" CHECK ("kind" IN ('api_key', 'session'))`,
    );
    await queryRunner.query(
      `ALTER TABLE "api_tokens" ADD CONSTRAINT "ck_api_tokens_session_expires" CHECK ("kind" <> 'session' OR "expires_at" IS NOT NULL)`,
    );

    await queryRunner.query(`ALTER TABLE "credit_ledger" ADD "reference" character varying(100)`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_credit_ledger_reference" ON "credit_ledger" ("reference") WHERE "reference" IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "uq_credit_ledger_reference"`);
    await queryRunner.query(`ALTER TABLE "credit_ledger" DROP COLUMN "reference"`);
    await queryRunner.query(
      `ALTER TABLE "api_tokens" DROP CONSTRAINT "ck_api_tokens_session_expires"`,
    );
    await queryRunner.query(`ALTER TABLE "api_tokens" DROP CONSTRAINT "ck_api_tokens_kind"`);
    // Sessions would become API keys that never expire: end them first.
    await queryRunner.query(`DELETE FROM "api_tokens" WHERE "kind" = 'session'`);
    await queryRunner.query(`ALTER TABLE "api_tokens" DROP COLUMN "expires_at"`);
    await queryRunner.query(`ALTER TABLE "api_tokens" DROP COLUMN "kind"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "deleted_at"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "email_verified_at"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "password_hash"`);
    await queryRunner.query(`DROP TABLE "email_tokens"`);
  }
}
