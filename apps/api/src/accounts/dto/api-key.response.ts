import type { ApiToken } from '@app/database';
import { ApiProperty } from '@nestjs/swagger';

/** One API key as its owner sees it: never the key itself (only its hash is stored). */
export class ApiKeyResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'laptop script' })
  name!: string;

  @ApiProperty({ example: 'aig_q3JcX0m8', description: 'The first 12 characters of the key' })
  prefix!: string;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  last_used_at!: string | null;

  static from(t: ApiToken): ApiKeyResponse {
    return {
      id: t.id,
      name: t.name,
      prefix: t.tokenPrefix,
      created_at: t.createdAt.toISOString(),
      last_used_at: t.lastUsedAt?.toISOString() ?? null,
    };
  }
}

export class ApiKeyListResponse {
  @ApiProperty({ type: [ApiKeyResponse] })
  api_keys!: ApiKeyResponse[];
}

/** `POST /api/tokens/`: the new key, shown this once. */
export class CreatedApiKeyResponse extends ApiKeyResponse {
  @ApiProperty({
    example: 'aig_q3JcX0m8d1vYcK1n0m6Vb5f2kqJ8pX9tQ1u4rS7wZ0A',
    description: 'The key itself: shown once, store it now',
  })
  token!: string;
}
