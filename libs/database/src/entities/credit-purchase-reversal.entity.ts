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

export const REVERSAL_KINDS = ['refund', 'dispute'] as const;
export type ReversalKind = (typeof REVERSAL_KINDS)[number];

/**
 * Money Stripe gave back (a refund) or may take back (a dispute) on a purchase's payment, as its
 * event said, recorded once per `reference` whatever Stripe redelivers. It is applied (credits
 * clawed back) when its purchase is known and paid: at once, or, when the refund's event came
 * before the payment's, by the grant itself.
 */
@Entity({ name: 'credit_purchase_reversals' })
@Check('ck_credit_purchase_reversals_kind', `"kind" IN ('refund', 'dispute')`)
@Index('uq_credit_purchase_reversals_reference', ['reference'], { unique: true })
@Index('ix_credit_purchase_reversals_payment_intent', ['stripePaymentIntentId'])
export class CreditPurchaseReversal {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /**
   * `refund:<charge>:<amount refunded so far>` (each step of a charge's refunds) or
   * `dispute:<dispute>`: the same money never counts twice.
   */
  @Column({ type: 'varchar', length: 255 })
  reference!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: ReversalKind;

  @Column({ name: 'stripe_payment_intent_id', type: 'varchar', length: 255 })
  stripePaymentIntentId!: string;

  @Column({ name: 'stripe_charge_id', type: 'varchar', length: 255, nullable: true })
  stripeChargeId!: string | null;

  /** Money, in the smallest unit: a refund's running total for its charge, or the disputed sum. */
  @Column({ type: 'integer' })
  amount!: number;

  @Column({ type: 'varchar', length: 3 })
  currency!: string;

  /** Set when applied to its purchase. */
  @Column({ name: 'purchase_id', type: 'uuid', nullable: true })
  purchaseId!: string | null;

  @ManyToOne(() => CreditPurchase, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'purchase_id' })
  purchase?: CreditPurchase;

  @Column({ name: 'credits_clawed_back', type: 'integer', nullable: true })
  creditsClawedBack!: number | null;

  @Column({ name: 'credits_unrecovered', type: 'integer', nullable: true })
  creditsUnrecovered!: number | null;

  @CreateDateColumn({ name: 'received_at', type: 'timestamptz' })
  receivedAt!: Date;

  @Column({ name: 'applied_at', type: 'timestamptz', nullable: true })
  appliedAt!: Date | null;
}
