import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `infographs.error_code`: why a failed infograph failed, as a stable word clients branch on
 * (INFOGRAPH_ERROR_CODES). Rows failed before it existed get the code their message implies, so
 * every failed row has one.
 */
export class InfographErrorCode1796500000000 implements MigrationInterface {
  name = 'InfographErrorCode1796500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "infographs" ADD "error_code" character varying(32)`);
    await queryRunner.query(
      `UPDATE "infographs" SET "error_code" = CASE
          WHEN "error_message" LIKE 'Could not use the blog post:%' THEN 'blog_unreachable'
          WHEN "error_message" LIKE '%safety filter%' OR "error_message" LIKE '%unsafe content%'
            THEN 'content_blocked'
          WHEN "error_message" LIKE 'No result from fal.ai within%' THEN 'timed_out'
          WHEN "error_message" LIKE 'fal.ai is unavailable%'
            OR "error_message" LIKE 'fal.ai could not be reached%' THEN 'fal_unavailable'
          WHEN "error_message" LIKE 'Could not store the image:%' THEN 'storage_failed'
          ELSE 'generation_failed' END
        WHERE "status" = 'failed'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "infographs" DROP COLUMN "error_code"`);
  }
}
