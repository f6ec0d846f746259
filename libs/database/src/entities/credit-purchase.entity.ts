import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

import { User } from './user.entity';

/**
 * - `pending`: a Checkout Session was made (or is being made); nothing is paid yet.
 * - `paid`: Stripe said the payment succeeded and the pack's credits were granted, once.
 * - `expired`: the Checkout Session expired unpaid; `failed`: Stripe could not make the session,
 *   or an asynchronous payment (a bank debit) failed.
 * - `refunded`, `disputed`: paid, then (partly) refunded or disputed: what was unspent of the
 *   credits was clawed back, the rest is `unrecovered_credits`, for an operator.
 */
export const PURCHASE_STATUSES = [
  'pending',
  'paid',
  'expired',
  'failed',
  'refunded',
  'disputed',
] as const;
export type PurchaseStatus = (typeof PURCHASE_STATUSES)[number];

/**
 * One attempt to buy a credit pack with Stripe Checkout, written before Stripe is called. It
 * records what was sold (pack, credits, price) as it was then, so a payment is credited by this
 * row, never by whatever the configuration says when Stripe's event arrives.
 */
@Entity({ name: 'credit_purchases' })
// TypeORM compares checks by name only: a changed expression needs a hand-written migration.
@Check(
  'ck_credit_purchases_status',
  `"status" IN ('pending', 'paid', 'expired', 'failed', 'refunded', 'disputed')`,
)
@Check('ck_credit_purchases_positive', `"credits" > 0 AND "price" > 0`)
@Check(
  'ck_credit_purchases_reversed',
  `"clawed_back_credits" >= 0 AND "unrecovered_credits" >= 0 AND "clawed_back_credits" + "unrecovered_credits" <= "credits"`,
)
@Index('ix_credit_purchases_user_created', ['userId', 'createdAt'])
@Index('uq_credit_purchases_session', ['stripeSessionId'], { unique: true })
@Index('uq_credit_purchases_payment_intent', ['stripePaymentIntentId'], { unique: true })
export class CreditPurchase {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @Column({ name: 'pack_id', type: 'varchar', length: 32 })
  packId!: string;

  @Column({ name: 'pack_name', type: 'varchar', length: 100 })
  packName!: string;

  @Column({ type: 'integer' })
  credits!: number;

  /** In the currency's smallest unit (cents), as Stripe counts it. */
  @Column({ type: 'integer' })
  price!: number;

  @Column({ type: 'varchar', length: 3 })
  currency!: string;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status!: PurchaseStatus;

  /** The Checkout Session (`cs_…`); set once Stripe made it, or by its first event. */
  @Column({ name: 'stripe_session_id', type: 'varchar', length: 255, nullable: true })
  stripeSessionId!: string | null;

  /** The session's PaymentIntent (`pi_…`), known once it completes: refunds and disputes name it. */
  @Column({ name: 'stripe_payment_intent_id', type: 'varchar', length: 255, nullable: true })
  stripePaymentIntentId!: string | null;

  /** Stripe's receipt, when an event carried one (charges do; Checkout Sessions do not). */
  @Column({ name: 'receipt_url', type: 'text', nullable: true })
  receiptUrl!: string | null;

  /** Credits taken back after refunds and disputes (the clawback ledger entries' sum). */
  @Column({ name: 'clawed_back_credits', type: 'integer', default: 0 })
  clawedBackCredits!: number;

  /** Refunded or disputed credits already spent: not taken back, left for an operator. */
  @Column({ name: 'unrecovered_credits', type: 'integer', default: 0 })
  unrecoveredCredits!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'paid_at', type: 'timestamptz', nullable: true })
  paidAt!: Date | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
