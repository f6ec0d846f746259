import type { User } from '@app/database';
import { ApiProperty } from '@nestjs/swagger';

/** `GET /api/me/`: the user behind the token. */
export class MeResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'email', example: 'ada@example.com' })
  email!: string;

  @ApiProperty({ type: 'integer', example: 10 })
  balance!: number;

  @ApiProperty()
  is_admin!: boolean;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  static from(
    user: Pick<User, 'id' | 'email' | 'isAdmin' | 'createdAt'>,
    balance: number,
  ): MeResponse {
    return {
      id: user.id,
      email: user.email,
      balance,
      is_admin: user.isAdmin,
      created_at: user.createdAt.toISOString(),
    };
  }
}
