import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/**
 * That the owner saw a finished infograph live (`infographs.seen_at`), so its waiting e-mail is
 * skipped: the notify step reads it with the infograph.
 */
@Injectable()
export class Presence {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records that the owner's open page showed the infograph (only once it is finished: seeing it
   * in progress says nothing about its result). False when it is not this user's.
   */
  async markSeen(userId: string, infographId: string): Promise<boolean> {
    const rows = await this.dataSource.query<{ id: string }[]>(
      `SELECT id FROM infographs WHERE id = $1 AND user_id = $2`,
      [infographId, userId],
    );
    if (rows.length === 0) {
      return false;
    }
    // A plain UPDATE: `updated_at` (the infograph's own history) stays as it is.
    await this.dataSource.query(
      `UPDATE infographs SET seen_at = COALESCE(seen_at, now())
        WHERE id = $1 AND status IN ('completed', 'failed')`,
      [infographId],
    );
    return true;
  }
}
