import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outbound webhooks to customers (libs/customer-webhooks): `webhook_endpoints` (a user's URLs,
 * event types and signing secrets), `webhook_messages` (one event for one endpoint: its id is the
 * stable `webhook-id`, its payload the exact bytes signed; unique per endpoint and event, so an
 * event announced twice is delivered once) and `webhook_attempts` (every try: status, time,
 * error). Deleting a user or an endpoint deletes what hangs from it; finished messages are pruned
 * after the deliveries' retention period (by `created_at`).
 */
export class CustomerWebhooks1796600000000 implements MigrationInterface {
  name = 'CustomerWebhooks1796600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "webhook_endpoints" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "url" character varying(2048) NOT NULL, "event_types" text array NOT NULL, "description" character varying(200) NOT NULL DEFAULT '', "secret" character varying(64) NOT NULL, "previous_secret" character varying(64), "previous_secret_expires_at" TIMESTAMP WITH TIME ZONE, "failing_since" TIMESTAMP WITH TIME ZONE, "disabled_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_054c4cfb95223732f5939d2d546" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_webhook_endpoints_user" ON "webhook_endpoints" ("user_id", "created_at")`,
    );
    await queryRunner.query(
      `CREATE TABLE "webhook_messages" ("id" character varying(40) NOT NULL, "endpoint_id" uuid NOT NULL, "event_type" character varying(64) NOT NULL, "event_key" character varying(200) NOT NULL, "payload" text NOT NULL, "status" character varying(16) NOT NULL DEFAULT 'pending', "attempts" integer NOT NULL DEFAULT '0', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "delivered_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "ck_webhook_messages_status" CHECK ("status" IN ('pending', 'delivered', 'failed')), CONSTRAINT "PK_526e8e1655924920adc4cd30dcd" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_webhook_messages_endpoint_event" ON "webhook_messages" ("endpoint_id", "event_key")`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_webhook_messages_endpoint_created" ON "webhook_messages" ("endpoint_id", "created_at")`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_webhook_messages_created" ON "webhook_messages" ("created_at")`,
    );
    await queryRunner.query(
      `CREATE TABLE "webhook_attempts" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "message_id" character varying(40) NOT NULL, "attempted_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "status_code" integer, "duration_ms" integer NOT NULL, "error" character varying(300), CONSTRAINT "PK_2de7e7887ad97de459adab62638" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_webhook_attempts_message" ON "webhook_attempts" ("message_id", "attempted_at")`,
    );
    await queryRunner.query(
      `ALTER TABLE "webhook_endpoints" ADD CONSTRAINT "FK_1f1a98a1a1faabacca9aff7ab6e" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "webhook_messages" ADD CONSTRAINT "FK_2ebdc23f5ae2b27a09c8446c899" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoints"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "webhook_attempts" ADD CONSTRAINT "FK_7dbf25c6722243e3cb16ef9fb27" FOREIGN KEY ("message_id") REFERENCES "webhook_messages"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "webhook_attempts"`);
    await queryRunner.query(`DROP TABLE "webhook_messages"`);
    await queryRunner.query(`DROP TABLE "webhook_endpoints"`);
  }
}
