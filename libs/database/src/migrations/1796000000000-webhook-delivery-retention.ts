import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook deliveries are pruned by age (an index on `received_at` keeps that cheap), and lose the
 * `body` column that nothing ever wrote.
 */
export class WebhookDeliveryRetention1796000000000 implements MigrationInterface {
  name = 'WebhookDeliveryRetention1796000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "webhook_deliveries" DROP COLUMN "body"`);
    await queryRunner.query(
      `CREATE INDEX "ix_webhook_deliveries_received_at" ON "webhook_deliveries" ("received_at")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_webhook_deliveries_received_at"`);
    await queryRunner.query(`ALTER TABLE "webhook_deliveries" ADD "body" jsonb`);
  }
}
