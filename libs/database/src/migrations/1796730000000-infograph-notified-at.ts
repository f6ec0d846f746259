import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `infographs.notified_at`: when its notify job finished. A finished row without it lost that job
 * (Redis crashed or failed over between the status change and the notice), so the reconciler
 * enqueues it again. Rows finished before this existed count as notified: nobody is told twice.
 */
export class InfographNotifiedAt1796730000000 implements MigrationInterface {
  name = 'InfographNotifiedAt1796730000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "infographs" ADD "notified_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(
      `UPDATE "infographs" SET "notified_at" = "updated_at" WHERE "status" IN ('completed', 'failed')`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_infographs_unnotified" ON "infographs" ("updated_at") WHERE "notified_at" IS NULL AND "status" IN ('completed', 'failed')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_infographs_unnotified"`);
    await queryRunner.query(`ALTER TABLE "infographs" DROP COLUMN "notified_at"`);
  }
}
