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

import { CreditPurchase } from './credit-purchase.entity';
import { Infograph } from './infograph.entity';
import { User } from './user.entity';

/**
 * `adjustment`: an operator's correction (`credits:adjust`), either sign, always with a note.
 * `purchase`: a paid credit pack; `clawback`: what a refund or dispute of one took back (negative).
 */
export const LEDGER_REASONS = [
  'grant',
  'purchase',
  'charge',
  'refund',
  'adjustment',
  'clawback',
] as const;
export type LedgerReason = (typeof LEDGER_REASONS)[number];

/**
 * One change to a user's credits. Append-only: the balance on `users` is the running sum, and the
 * database allows one refund per infograph whatever retries or crashes occur.
 */
@Entity({ name: 'credit_ledger' })
// TypeORM compares checks by name only: a changed expression needs a migration written by hand
// (see 1796100000000-ledger-adjustments.ts and 1796400000000-credit-purchases.ts).
@Check(
  'ck_credit_ledger_reason',
  `"reason" IN ('grant', 'purchase', 'charge', 'refund', 'adjustment', 'clawback')`,
)
@Check(
  'ck_credit_ledger_sign',
  `("reason" = 'charge' AND "amount" <= 0) OR ("reason" = 'adjustment' AND "amount" <> 0) OR ("reason" = 'clawback' AND "amount" < 0) OR ("reason" NOT IN ('charge', 'adjustment', 'clawback') AND "amount" >= 0)`,
)
@Check(
  'ck_credit_ledger_purchase',
  `"reason" NOT IN ('purchase', 'clawback') OR ("purchase_id" IS NOT NULL AND "reference" IS NOT NULL)`,
)
@Index('ix_credit_ledger_purchase', ['purchaseId'], { where: `"purchase_id" IS NOT NULL` })
@Index('uq_ledger_refund_per_infograph', ['infographId'], {
  unique: true,
  where: `"reason" = 'refund'`,
})
@Index('ix_credit_ledger_user_created', ['userId', 'createdAt'])
@Index('uq_credit_ledger_reference', ['reference'], {
  unique: true,
  where: `"reference" IS NOT NULL`,
})
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

  /** Set for a purchase and its clawbacks: the credit pack bought. */
  @Column({ name: 'purchase_id', type: 'uuid', nullable: true })
  purchaseId!: string | null;

  @ManyToOne(() => CreditPurchase)
  @JoinColumn({ name: 'purchase_id' })
  purchase?: CreditPurchase;

  /** Set for charges: the create request (batch) the charge paid for. */
  @Column({ name: 'batch_id', type: 'uuid', nullable: true })
  batchId!: string | null;

  @Column({ type: 'text', nullable: true })
  note!: string | null;

  /**
   * What an entry that may happen only once is for, e.g. `starter:<user id>` (the starter
   * credits of a verified e-mail). Unique: the database turns a second such entry into a no-op,
   * whatever retries or races, like `uq_ledger_refund_per_infograph` does for refunds.
   */
  @Column({ type: 'varchar', length: 100, nullable: true })
  reference!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
