import { User } from '@app/database';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** A user's choices: an e-mail and/or a push when an infograph finishes (both on by default). */
export interface NotificationPrefs {
  email: boolean;
  push: boolean;
}

@Injectable()
export class NotificationPreferences {
  constructor(private readonly dataSource: DataSource) {}

  /** Null for an unknown (or deleted) user. */
  async get(userId: string): Promise<NotificationPrefs | null> {
    const user = await this.dataSource.getRepository(User).findOne({
      where: { id: userId },
      select: { id: true, notifyEmail: true, notifyPush: true, deletedAt: true },
    });
    return user && !user.deletedAt ? { email: user.notifyEmail, push: user.notifyPush } : null;
  }

  /** Changes the fields given; the preferences as they are now (null for an unknown user). */
  async update(
    userId: string,
    change: Partial<NotificationPrefs>,
  ): Promise<NotificationPrefs | null> {
    const rows = await this.dataSource.query<{ email: boolean; push: boolean }[][]>(
      `UPDATE users SET notify_email = COALESCE($2, notify_email), notify_push = COALESCE($3, notify_push)
        WHERE id = $1 AND deleted_at IS NULL
        RETURNING notify_email AS email, notify_push AS push`,
      [userId, change.email ?? null, change.push ?? null],
    );
    // node-postgres answers an UPDATE … RETURNING as [rows, count] through TypeORM.
    const [row] = rows[0] ?? [];
    return row ? { email: row.email, push: row.push } : null;
  }
}
