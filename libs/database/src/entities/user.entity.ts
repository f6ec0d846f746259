import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ name: 'users' })
@Check('ck_users_balance_non_negative', '"balance" >= 0')
export class User {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** Stored lower-cased, so lookups and the unique index ignore case. */
  @Column({ type: 'varchar', length: 320 })
  @Index('uq_users_email', { unique: true })
  email!: string;

  /** Kept equal to the sum of this user's ledger entries, in the same transaction as each entry. */
  @Column({ type: 'integer', default: 0 })
  balance!: number;

  @Column({ name: 'is_admin', type: 'boolean', default: false })
  isAdmin!: boolean;

  /**
   * `scrypt$…` (libs/auth passwords.ts: parameters, salt and hash in one self-describing string).
   * Null for users made by an operator (they sign in with API tokens, or set one by password
   * reset) and for deleted accounts.
   */
  @Column({ name: 'password_hash', type: 'varchar', length: 255, nullable: true })
  passwordHash!: string | null;

  /** When the user proved they read mail at `email`; password sign-in waits for it. */
  @Column({ name: 'email_verified_at', type: 'timestamptz', nullable: true })
  emailVerifiedAt!: Date | null;

  /**
   * Set when the user deleted their account: the row stays (anonymised) so that the ledger keeps
   * its owner and `balance = sum(ledger)` still holds; nothing can sign in as it again.
   */
  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;

  /** Whether the user wants an e-mail when an infograph finishes (the unsubscribe link turns it off). */
  @Column({ name: 'notify_email', type: 'boolean', default: true })
  notifyEmail!: boolean;

  /** Whether finished infographs are pushed to the user's subscribed browsers. */
  @Column({ name: 'notify_push', type: 'boolean', default: true })
  notifyPush!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
