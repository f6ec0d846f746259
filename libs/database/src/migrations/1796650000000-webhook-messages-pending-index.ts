import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A partial index on the pending customer webhook messages: the reconciler looks for those whose
 * delivery job was lost (a Redis crash or failover) every pass, and finished messages, kept for
 * the retention period, would otherwise make that a scan of the whole table.
 */
export class WebhookMessagesPendingIndex1796650000000 implements MigrationInterface {
  name = 'WebhookMessagesPendingIndex1796650000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX "ix_webhook_messages_pending" ON "webhook_messages" ("created_at") WHERE "status" = 'pending'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_webhook_messages_pending"`);
  }
}
