import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * webhook_deliveries → fal_webhook_deliveries: the table records fal's inbound deliveries, and
 * "webhooks" is left free for the callbacks customers will register. Indexes and the primary key
 * follow, under the names TypeORM gives them for the new table.
 */
export class FalWebhookDeliveries1796200000000 implements MigrationInterface {
  name = 'FalWebhookDeliveries1796200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "webhook_deliveries" RENAME TO "fal_webhook_deliveries"`);
    await queryRunner.query(
      `ALTER TABLE "fal_webhook_deliveries" RENAME CONSTRAINT "PK_535dd409947fb6d8fc6dfc0112a" TO "PK_842eab7f1f1771b233284971bfb"`,
    );
    await queryRunner.query(
      `ALTER INDEX "ix_webhook_deliveries_infograph" RENAME TO "ix_fal_webhook_deliveries_infograph"`,
    );
    await queryRunner.query(
      `ALTER INDEX "ix_webhook_deliveries_received_at" RENAME TO "ix_fal_webhook_deliveries_received_at"`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER INDEX "ix_fal_webhook_deliveries_received_at" RENAME TO "ix_webhook_deliveries_received_at"`,
    );
    await queryRunner.query(
      `ALTER INDEX "ix_fal_webhook_deliveries_infograph" RENAME TO "ix_webhook_deliveries_infograph"`,
    );
    await queryRunner.query(
      `ALTER TABLE "fal_webhook_deliveries" RENAME CONSTRAINT "PK_842eab7f1f1771b233284971bfb" TO "PK_535dd409947fb6d8fc6dfc0112a"`,
    );
    await queryRunner.query(`ALTER TABLE "fal_webhook_deliveries" RENAME TO "webhook_deliveries"`);
  }
}
