import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Buying credits with Stripe Checkout: `credit_purchases` (what was sold, written before Stripe is
 * called; one Checkout Session and one PaymentIntent each), `credit_purchase_reversals` (refunds
 * and disputes, once per reference), and on the ledger the purchase an entry belongs to and the
 * `clawback` reason (negative: credits a refund or dispute took back). A purchase's grant and
 * each clawback carry a `reference` (`purchase:<id>`, `clawback:<reversal id>`), unique by
 * `uq_credit_ledger_reference`: the database makes each happen once.
 */
export class CreditPurchases1796400000000 implements MigrationInterface {
  name = 'CreditPurchases1796400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "credit_purchases" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "pack_id" character varying(32) NOT NULL, "pack_name" character varying(100) NOT NULL, "credits" integer NOT NULL, "price" integer NOT NULL, "currency" character varying(3) NOT NULL, "status" character varying(16) NOT NULL DEFAULT 'pending', "stripe_session_id" character varying(255), "stripe_payment_intent_id" character varying(255), "receipt_url" text, "clawed_back_credits" integer NOT NULL DEFAULT '0', "unrecovered_credits" integer NOT NULL DEFAULT '0', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "paid_at" TIMESTAMP WITH TIME ZONE, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_credit_purchases_status" CHECK ("status" IN ('pending', 'paid', 'expired', 'failed', 'refunded', 'disputed')), CONSTRAINT "ck_credit_purchases_positive" CHECK ("credits" > 0 AND "price" > 0), CONSTRAINT "ck_credit_purchases_reversed" CHECK ("clawed_back_credits" >= 0 AND "unrecovered_credits" >= 0 AND "clawed_back_credits" + "unrecovered_credits" <= "credits"), CONSTRAINT "PK_89d96f2901d625d5879c1bc6f47" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_credit_purchases_user_created" ON "credit_purchases" ("user_id", "created_at")`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_credit_purchases_session" ON "credit_purchases" ("stripe_session_id")`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_credit_purchases_payment_intent" ON "credit_purchases" ("stripe_payment_intent_id")`,
    );
    await queryRunner.query(
      `ALTER TABLE "credit_purchases" ADD CONSTRAINT "FK_e4b42966827f8e07f9880e78310" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );

    await queryRunner.query(
      `CREATE TABLE "credit_purchase_reversals" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "reference" character varying(255) NOT NULL, "kind" character varying(16) NOT NULL, "stripe_payment_intent_id" character varying(255) NOT NULL, "stripe_charge_id" character varying(255), "amount" integer NOT NULL, "currency" character varying(3) NOT NULL, "purchase_id" uuid, "credits_clawed_back" integer, "credits_unrecovered" integer, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "applied_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "ck_credit_purchase_reversals_kind" CHECK ("kind" IN ('refund', 'dispute')), CONSTRAINT "PK_010cbd1fa3043752449f5e04794" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_credit_purchase_reversals_reference" ON "credit_purchase_reversals" ("reference")`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_credit_purchase_reversals_payment_intent" ON "credit_purchase_reversals" ("stripe_payment_intent_id")`,
    );
    await queryRunner.query(
      `ALTER TABLE "credit_purchase_reversals" ADD CONSTRAINT "FK_9db187da6c957d5d621cee8ad88" FOREIGN KEY ("purchase_id") REFERENCES "credit_purchases"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );

    await queryRunner.query(`ALTER TABLE "credit_ledger" ADD "purchase_id" uuid`);
    await queryRunner.query(
      `CREATE INDEX "ix_credit_ledger_purchase" ON "credit_ledger" ("purchase_id") WHERE "purchase_id" IS NOT NULL`,
    );
    await queryRunner.query(
      `ALTER TABLE "credit_ledger" ADD CONSTRAINT "FK_cc0aa1ffca450a75921fefc6bf4" FOREIGN KEY ("purchase_id") REFERENCES "credit_purchases"("id") ON DELETE NO ACTION ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "credit_ledger" DROP CONSTRAINT "ck_credit_ledger_reason"`,
    );
    await queryRunner.query(`ALTER TABLE "credit_ledger" DROP CONSTRAINT "ck_credit_ledger_sign"`);
    await queryRunner.query(
      `ALTER TABLE "credit_ledger" ADD CONSTRAINT "ck_credit_ledger_reason" CHECK ("reason" IN ('grant', 'purchase', 'charge', 'refund', 'adjustment', 'clawback'))`,
    );
    await queryRunner.query(
      `ALTER TABLE "credit_ledger" ADD CONSTRAINT "ck_credit_ledger_sign" CHECK (("reason" = 'charge' AND "amount" <= 0) OR ("reason" = 'adjustment' AND "amount" <> 0) OR ("reason" = 'clawback' AND "amount" < 0) OR ("reason" NOT IN ('charge', 'adjustment', 'clawback') AND "amount" >= 0))`,
    );
    await queryRunner.query(
      `ALTER TABLE "credit_ledger" ADD CONSTRAINT "ck_credit_ledger_purchase" CHECK ("reason" NOT IN ('purchase', 'clawback') OR ("purchase_id" IS NOT NULL AND "reference" IS NOT NULL))`,
    );
  }

  // Fails while purchase or clawback rows exist, on purpose: deleting ledger rows would break
  // balance = sum(ledger).
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "credit_ledger" DROP CONSTRAINT "ck_credit_ledger_purchase"`,
    );
    await queryRunner.query(`ALTER TABLE "credit_ledger" DROP CONSTRAINT "ck_credit_ledger_sign"`);
    await queryRunner.query(
      `ALTER TABLE "credit_ledger" DROP CONSTRAINT "ck_credit_ledger_reason"`,
    );
    await queryRunner.query(
      `ALTER TABLE "credit_ledger" ADD CONSTRAINT "ck_credit_ledger_reason" CHECK ("reason" IN ('grant', 'purchase', 'charge', 'refund', 'adjustment'))`,
    );
    await queryRunner.query(
      `ALTER TABLE "credit_ledger" ADD CONSTRAINT "ck_credit_ledger_sign" CHECK (("reason" = 'charge' AND "amount" <= 0) OR ("reason" = 'adjustment' AND "amount" <> 0) OR ("reason" NOT IN ('charge', 'adjustment') AND "amount" >= 0))`,
    );
    await queryRunner.query(
      `ALTER TABLE "credit_ledger" DROP CONSTRAINT "FK_cc0aa1ffca450a75921fefc6bf4"`,
    );
    await queryRunner.query(`DROP INDEX "ix_credit_ledger_purchase"`);
    await queryRunner.query(`ALTER TABLE "credit_ledger" DROP COLUMN "purchase_id"`);
    await queryRunner.query(`DROP TABLE "credit_purchase_reversals"`);
    await queryRunner.query(`DROP TABLE "credit_purchases"`);
  }
}
