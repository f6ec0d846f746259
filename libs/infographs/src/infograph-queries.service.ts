import { Infograph, InfographStatus } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isUUID } from 'class-validator';
import { DataSource } from 'typeorm';

export class InvalidCursorError extends Error {
  constructor() {
    super('cursor: not a cursor this API returned; start again without it.');
  }
}

/** Reads for the user-facing endpoints; every query is scoped to the owner. */
@Injectable()
export class InfographQueriesService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** One infograph, only if it is this user's (another user's id looks exactly like a missing one). */
  findOwned(userId: string, id: string): Promise<Infograph | null> {
    return this.dataSource.manager.findOneBy(Infograph, { id, userId });
  }

  /** Newest first; the cursor is the (created_at, id) of the last item, so pages never shift. */
  async history(
    userId: string,
    options: { status?: InfographStatus; limit: number; cursor?: string },
  ): Promise<{ items: Infograph[]; nextCursor: string | null }> {
    const query = this.dataSource.manager
      .createQueryBuilder(Infograph, 'i')
      .where('i.user_id = :userId', { userId })
      // Milliseconds, as a cursor carries them: rows of one create share a timestamp to the
      // microsecond, and the id breaks the tie.
      .orderBy(`date_trunc('milliseconds', i.created_at)`, 'DESC')
      .addOrderBy('i.id', 'DESC')
      .take(options.limit + 1);
    if (options.status) {
      query.andWhere('i.status = :status', { status: options.status });
    }
    if (options.cursor) {
      const { createdAt, id } = decodeCursor(options.cursor);
      query.andWhere(`(date_trunc('milliseconds', i.created_at), i.id) < (:createdAt, :id)`, {
        createdAt,
        id,
      });
    }
    const rows = await query.getMany();
    const items = rows.slice(0, options.limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > options.limit && last ? encodeCursor(last) : null };
  }
}

function encodeCursor(i: Infograph): string {
  return Buffer.from(`${i.createdAt.toISOString()}|${i.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  const [createdAt, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  // Exactly what encodeCursor writes; anything else would reach Postgres and fail there.
  const canonical =
    createdAt !== undefined &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(createdAt) &&
    new Date(createdAt).toISOString() === createdAt;
  if (!canonical || !id || !isUUID(id)) {
    throw new InvalidCursorError();
  }
  return { createdAt, id };
}
