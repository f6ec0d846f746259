import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notifications that reach people (docs/notifications.md): `push_subscriptions` (browsers' Web
 * Push subscriptions, unique by endpoint), `notification_deliveries` (per infograph, channel and
 * target: the marker that keeps a retried notify job from sending a notice twice), the users'
 * e-mail and push preferences (both on by default) and `infographs.seen_at` (the owner saw the
 * result live, so its e-mail is skipped).
 */
export class Notifications1796700000000 implements MigrationInterface {
  name = 'Notifications1796700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "notification_deliveries" ("infograph_id" uuid NOT NULL, "channel" character varying(16) NOT NULL, "target" character varying(64) NOT NULL, "state" character varying(16) NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_notification_deliveries_state" CHECK ("state" IN ('sending', 'sent', 'skipped')), CONSTRAINT "PK_ba436523ed2e33868a3e79b9dc5" PRIMARY KEY ("infograph_id", "channel", "target"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "push_subscriptions" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "endpoint" character varying(2048) NOT NULL, "p256dh" character varying(128) NOT NULL, "auth" character varying(64) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_757fc8f00c34f66832668dc2e53" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_push_subscriptions_endpoint" ON "push_subscriptions" ("endpoint")`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_push_subscriptions_user" ON "push_subscriptions" ("user_id", "created_at")`,
    );
    await queryRunner.query(`ALTER TABLE "users" ADD "notify_email" boolean NOT NULL DEFAULT true`);
    await queryRunner.query(`ALTER TABLE "users" ADD "notify_push" boolean NOT NULL DEFAULT true`);
    await queryRunner.query(`ALTER TABLE "infographs" ADD "seen_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(
      `ALTER TABLE "notification_deliveries" ADD CONSTRAINT "FK_70dd1ae577f7487fb5d98de62f9" FOREIGN KEY ("infograph_id") REFERENCES "infographs"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "push_subscriptions" ADD CONSTRAINT "FK_6771f119f1c06d2ccf38f238664" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "infographs" DROP COLUMN "seen_at"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "notify_push"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "notify_email"`);
    await queryRunner.query(`DROP TABLE "push_subscriptions"`);
    await queryRunner.query(`DROP TABLE "notification_deliveries"`);
  }
}
