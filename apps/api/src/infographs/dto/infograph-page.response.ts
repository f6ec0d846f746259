import type { Infograph } from '@app/database';
import { ApiProperty } from '@nestjs/swagger';

import { InfographResponse } from './infograph.response';

/** `GET /api/infographs/`: one page of the history, newest first. */
export class InfographPageResponse {
  @ApiProperty({ type: [InfographResponse] })
  items!: InfographResponse[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass back as `cursor` for the next page; null on the last one',
  })
  next_cursor!: string | null;

  static from(page: { items: Infograph[]; nextCursor: string | null }): InfographPageResponse {
    return {
      items: page.items.map((i) => InfographResponse.from(i)),
      next_cursor: page.nextCursor,
    };
  }
}
