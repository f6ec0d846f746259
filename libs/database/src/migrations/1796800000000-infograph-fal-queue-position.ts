import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `infographs.fal_queue_position`: how many requests fal.ai said were ahead of it in the account's
 * own queue, at submit and whenever the reconciler asked since. Null when fal did not say.
 */
export class InfographFalQueuePosition1796800000000 implements MigrationInterface {
  name = 'InfographFalQueuePosition1796800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "infographs" ADD "fal_queue_position" integer`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "infographs" DROP COLUMN "fal_queue_position"`);
  }
}
