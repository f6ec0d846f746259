import { Infograph } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/**
 * Infographs that have not moved for a while, by what they wait for: the reconciler's view of
 * the status machine (what each stage means lives here, with the states, not in the worker).
 */
const WAITING_FOR = {
  /** Never submitted to fal (its submit job was lost). */
  submit: `status = 'pending'`,
  /** fal's image is recorded but not yet in our storage (its upload job was lost). */
  upload: `status = 'processing' AND fal_image_url IS NOT NULL`,
  /** At fal, with no result yet (its webhook may be lost). */
  fal: `status = 'processing' AND fal_image_url IS NULL`,
  /** Finished, its owner not (yet) told (its notify job was lost). */
  notify: `status IN ('completed', 'failed') AND notified_at IS NULL`,
} as const;

export type StaleStage = keyof typeof WAITING_FOR;

@Injectable()
export class StaleInfographsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Up to `limit` infographs waiting for `stage` and unchanged for `olderThanMs`, oldest first. */
  find(stage: StaleStage, olderThanMs: number, limit: number): Promise<Infograph[]> {
    return this.dataSource.manager
      .createQueryBuilder(Infograph, 'i')
      .where(WAITING_FOR[stage])
      .andWhere(`updated_at < now() - make_interval(secs => :secs)`, { secs: olderThanMs / 1000 })
      .orderBy('updated_at', 'ASC')
      .take(limit)
      .getMany();
  }

  /**
   * Of these ids, which are at fal (submitted, no result yet) and which still wait to be
   * submitted; the rest are done with fal (a result, terminal, or gone).
   */
  async whereAre(ids: string[]): Promise<{ atFal: string[]; pending: string[] }> {
    const rows = ids.length
      ? await this.dataSource.query<{ id: string; at_fal: boolean }[]>(
          `SELECT id, (${WAITING_FOR.fal}) AS at_fal FROM infographs
            WHERE id = ANY($1::uuid[]) AND (${WAITING_FOR.fal} OR ${WAITING_FOR.submit})`,
          [ids],
        )
      : [];
    return {
      atFal: rows.filter((r) => r.at_fal).map((r) => r.id),
      pending: rows.filter((r) => !r.at_fal).map((r) => r.id),
    };
  }

  /**
   * Up to `limit` unfinished infographs created more than `timeoutMs` ago, whatever they wait for
   * (GENERATION_TIMEOUT_MS: the bound a user waits, counted from the create), oldest first.
   */
  findOverdue(timeoutMs: number, limit: number): Promise<Infograph[]> {
    return this.dataSource.manager
      .createQueryBuilder(Infograph, 'i')
      .where(`status IN ('pending', 'processing')`)
      .andWhere(`created_at < now() - make_interval(secs => :secs)`, { secs: timeoutMs / 1000 })
      .orderBy('created_at', 'ASC')
      .take(limit)
      .getMany();
  }
}
