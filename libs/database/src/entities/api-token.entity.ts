import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  ManyToOne,
  JoinColumn,
  PrimaryGeneratedColumn,
} from 'typeorm';

import { User } from './user.entity';

/**
 * `api_key`: made by the user (`POST /api/tokens/`) or an operator (CLI), lives until revoked.
 * `session`: what a password sign-in sets in the browser's cookie, expires (`SESSION_TTL_HOURS`).
 * Both are the same kind of secret, so one guard, cache and revocation path serve both.
 */
export const API_TOKEN_KINDS = ['api_key', 'session'] as const;
export type ApiTokenKind = (typeof API_TOKEN_KINDS)[number];

/** An API token. Only its SHA-256 is stored: the token itself is shown once, at creation. */
@Entity({ name: 'api_tokens' })
// TypeORM compares checks by name only: a changed expression needs a hand-written migration.
@Check('ck_api_tokens_kind', `"kind" IN ('api_key', 'session')`)
@Check('ck_api_tokens_session_expires', `"kind" <> 'session' OR "expires_at" IS NOT NULL`)
export class ApiToken {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  @Index('ix_api_tokens_user')
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @Column({ name: 'token_hash', type: 'char', length: 64 })
  @Index('uq_api_tokens_token_hash', { unique: true })
  tokenHash!: string;

  /** The first characters of the token, so a user can tell their tokens apart. */
  @Column({ name: 'token_prefix', type: 'varchar', length: 16 })
  tokenPrefix!: string;

  @Column({ type: 'varchar', length: 100, default: 'default' })
  name!: string;

  @Column({ type: 'varchar', length: 16, default: 'api_key' })
  kind!: ApiTokenKind;

  /** Sessions only: refused from then on (API keys live until revoked). */
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}
