import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Whether the owner saw a finished infograph live, so its waiting e-mail can be skipped. */
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

  async wasSeen(infographId: string): Promise<boolean> {
    const rows = await this.dataSource.query<{ seen: boolean }[]>(
      `SELECT seen_at IS NOT NULL AS seen FROM infographs WHERE id = $1`,
      [infographId],
    );
    return rows[0]?.seen ?? false;
  }
}
