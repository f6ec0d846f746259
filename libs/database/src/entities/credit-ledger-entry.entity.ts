import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';

import { Infograph } from './infograph.entity';
import { User } from './user.entity';

/** `adjustment`: an operator's correction (`credits:adjust`), either sign, always with a note. */
export const LEDGER_REASONS = ['grant', 'purchase', 'charge', 'refund', 'adjustment'] as const;
export type LedgerReason = (typeof LEDGER_REASONS)[number];

/**
 * One change to a user's credits. Append-only: the balance on `users` is the running sum, and the
 * database allows one refund per infograph whatever retries or crashes occur.
 */
@Entity({ name: 'credit_ledger' })
// TypeORM compares checks by name only: a changed expression needs a migration written by hand
// (see 1796100000000-ledger-adjustments.ts).
@Check(
  'ck_credit_ledger_reason',
  `"reason" IN ('grant', 'purchase', 'charge', 'refund', 'adjustment')`,
)
@Check(
  'ck_credit_ledger_sign',
  `("reason" = 'charge' AND "amount" <= 0) OR ("reason" = 'adjustment' AND "amount" <> 0) OR ("reason" NOT IN ('charge', 'adjustment') AND "amount" >= 0)`,
)
@Index('uq_ledger_refund_per_infograph', ['infographId'], {
  unique: true,
  where: `"reason" = 'refund'`,
})
@Index('ix_credit_ledger_user_created', ['userId', 'createdAt'])
export class CreditLedgerEntry {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  /** Positive adds credits, negative spends them. */
  @Column({ type: 'integer' })
  amount!: number;

  @Column({ type: 'varchar', length: 16 })
  reason!: LedgerReason;

  /** Set for refunds (one per infograph). */
  @Column({ name: 'infograph_id', type: 'uuid', nullable: true })
  infographId!: string | null;

  @ManyToOne(() => Infograph, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'infograph_id' })
  infograph?: Infograph;

  /** Set for charges: the create request (batch) the charge paid for. */
  @Column({ name: 'batch_id', type: 'uuid', nullable: true })
  batchId!: string | null;

  @Column({ type: 'text', nullable: true })
  note!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
