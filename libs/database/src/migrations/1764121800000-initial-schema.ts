import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Users, API tokens, the credit ledger, infographs, idempotency keys and webhook deliveries. */
export class InitialSchema1764121800000 implements MigrationInterface {
  name = 'InitialSchema1764121800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "users" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "email" character varying(320) NOT NULL, "balance" integer NOT NULL DEFAULT '0', "is_admin" boolean NOT NULL DEFAULT false, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_users_balance_non_negative" CHECK ("balance" >= 0), CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_users_email" ON "users" ("email")`);
    await queryRunner.query(
      `CREATE TABLE "api_tokens" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "token_hash" character(64) NOT NULL, "token_prefix" character varying(16) NOT NULL, "name" character varying(100) NOT NULL DEFAULT 'default', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_used_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_c587455266b5fa8dace7194caac" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_api_tokens_user" ON "api_tokens" ("user_id")`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_api_tokens_token_hash" ON "api_tokens" ("token_hash")`,
    );
    await queryRunner.query(
      `CREATE TABLE "infographs" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "batch_id" uuid NOT NULL, "prompt" text NOT NULL, "blog_url" text, "aspect_ratio" character varying(8) NOT NULL, "resolution" character varying(4) NOT NULL, "status" character varying(16) NOT NULL DEFAULT 'pending', "credits_charged" integer NOT NULL, "enhanced_prompt" text, "fal_request_id" character varying(255), "fal_image_url" text, "image_url" text, "width" integer, "height" integer, "content_type" character varying(64), "error_message" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "submitted_at" TIMESTAMP WITH TIME ZONE, "completed_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "ck_infographs_status" CHECK ("status" IN ('pending', 'processing', 'completed', 'failed')), CONSTRAINT "PK_595556aca4754d0ab83d8ba5972" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_infographs_fal_request_id" ON "infographs" ("fal_request_id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_infographs_status_updated" ON "infographs" ("status", "updated_at")`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_infographs_user_created" ON "infographs" ("user_id", "created_at", "id")`,
    );
    await queryRunner.query(
      `CREATE TABLE "credit_ledger" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "amount" integer NOT NULL, "reason" character varying(16) NOT NULL, "infograph_id" uuid, "batch_id" uuid, "note" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_credit_ledger_sign" CHECK (("reason" = 'charge' AND "amount" <= 0) OR ("reason" <> 'charge' AND "amount" >= 0)), CONSTRAINT "ck_credit_ledger_reason" CHECK ("reason" IN ('grant', 'purchase', 'charge', 'refund')), CONSTRAINT "PK_7ff08f655cf2f4d118c116571db" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_credit_ledger_user_created" ON "credit_ledger" ("user_id", "created_at")`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_ledger_refund_per_infograph" ON "credit_ledger" ("infograph_id") WHERE "reason" = 'refund'`,
    );
    await queryRunner.query(
      `CREATE TABLE "idempotency_keys" ("user_id" uuid NOT NULL, "key" character varying(255) NOT NULL, "request_hash" character(64) NOT NULL, "status_code" integer NOT NULL, "response_body" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "uq_idempotency_user_key" PRIMARY KEY ("user_id", "key"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "webhook_deliveries" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "infograph_id" uuid, "fal_request_id" character varying(255), "fal_status" character varying(16), "outcome" character varying(32) NOT NULL, "signature_verified" boolean NOT NULL, "body" jsonb, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_535dd409947fb6d8fc6dfc0112a" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_webhook_deliveries_infograph" ON "webhook_deliveries" ("infograph_id", "received_at")`,
    );
    await queryRunner.query(
      `ALTER TABLE "api_tokens" ADD CONSTRAINT "FK_b74883f5884a42fd8496d389b25" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "infographs" ADD CONSTRAINT "FK_f57d5c53aa0aa18e647b30d6a8c" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "credit_ledger" ADD CONSTRAINT "FK_b3c288c46f5de08a59632916e8c" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "credit_ledger" ADD CONSTRAINT "FK_57de4ae4f9bec102a95b8d4d628" FOREIGN KEY ("infograph_id") REFERENCES "infographs"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "webhook_deliveries"`);
    await queryRunner.query(`DROP TABLE "idempotency_keys"`);
    await queryRunner.query(`DROP TABLE "credit_ledger"`);
    await queryRunner.query(`DROP TABLE "infographs"`);
    await queryRunner.query(`DROP TABLE "api_tokens"`);
    await queryRunner.query(`DROP TABLE "users"`);
  }
}
