import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const FAL_WEBHOOK_OUTCOMES = [
  'accepted',
  'duplicate',
  'ignored_terminal',
  'orphan',
  'mismatch',
  'invalid_signature',
  // Verified, and refused: not a fal body (400), no such infograph (404), not submitted yet (503).
  'invalid_body',
  'unknown_infograph',
  'not_submitted',
] as const;
export type FalWebhookOutcome = (typeof FAL_WEBHOOK_OUTCOMES)[number];

/**
 * The webhook deliveries we received, applied or not, for audit. Kept for a retention period
 * (the reconciler prunes older ones); rejected signatures are sampled, so forged traffic cannot
 * grow it without bound.
 */
@Entity({ name: 'fal_webhook_deliveries' })
@Index('ix_fal_webhook_deliveries_infograph', ['infographId', 'receivedAt'])
@Index('ix_fal_webhook_deliveries_received_at', ['receivedAt'])
export class FalWebhookDelivery {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'infograph_id', type: 'uuid', nullable: true })
  infographId!: string | null;

  @Column({ name: 'fal_request_id', type: 'varchar', length: 255, nullable: true })
  falRequestId!: string | null;

  /** fal's envelope status: OK or ERROR (or null for a bare result body). */
  @Column({ name: 'fal_status', type: 'varchar', length: 16, nullable: true })
  falStatus!: string | null;

  @Column({ type: 'varchar', length: 32 })
  outcome!: FalWebhookOutcome;

  @Column({ name: 'signature_verified', type: 'boolean' })
  signatureVerified!: boolean;

  @CreateDateColumn({ name: 'received_at', type: 'timestamptz' })
  receivedAt!: Date;
}
