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

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
