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

import type { InfographErrorCode } from './infograph-error-code';
import { INFOGRAPH_STATUSES, type InfographStatus } from './infograph-status';
import { User } from './user.entity';

/** One requested image, from create to completed (image in our storage) or failed (refunded). */
@Entity({ name: 'infographs' })
// Spelled from the one vocabulary. TypeORM compares checks by name only, so a new status also
// needs a hand-written migration of this check.
@Check(
  'ck_infographs_status',
  `"status" IN (${INFOGRAPH_STATUSES.map((s) => `'${s}'`).join(', ')})`,
)
@Index('ix_infographs_user_created', ['userId', 'createdAt', 'id'])
@Index('ix_infographs_status_updated', ['status', 'updatedAt'])
// The reconciler's scan for finished rows whose notify job was lost: only those, not every row.
@Index('ix_infographs_unnotified', ['updatedAt'], {
  where: `"notified_at" IS NULL AND "status" IN ('completed', 'failed')`,
})
export class Infograph {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  /** The create request this infograph came from (one charge, N infographs). */
  @Column({ name: 'batch_id', type: 'uuid' })
  batchId!: string;

  @Column({ type: 'text' })
  prompt!: string;

  @Column({ name: 'blog_url', type: 'text', nullable: true })
  blogUrl!: string | null;

  /** Normalised to fal's form, e.g. `16:9`. */
  @Column({ name: 'aspect_ratio', type: 'varchar', length: 8 })
  aspectRatio!: string;

  @Column({ type: 'varchar', length: 4 })
  resolution!: string;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status!: InfographStatus;

  /** What this infograph cost, so its refund gives back exactly that. */
  @Column({ name: 'credits_charged', type: 'integer' })
  creditsCharged!: number;

  @Column({ name: 'enhanced_prompt', type: 'text', nullable: true })
  enhancedPrompt!: string | null;

  @Column({ name: 'fal_request_id', type: 'varchar', length: 255, nullable: true })
  @Index('uq_infographs_fal_request_id', { unique: true })
  falRequestId!: string | null;

  /** The image as fal delivered it, kept until the upload job has copied it into our storage. */
  @Column({ name: 'fal_image_url', type: 'text', nullable: true })
  falImageUrl!: string | null;

  /** Our public URL for the image; set only once it is in our storage. */
  @Column({ name: 'image_url', type: 'text', nullable: true })
  imageUrl!: string | null;

  @Column({ type: 'integer', nullable: true })
  width!: number | null;

  @Column({ type: 'integer', nullable: true })
  height!: number | null;

  @Column({ name: 'content_type', type: 'varchar', length: 64, nullable: true })
  contentType!: string | null;

  @Column({ name: 'error_message', type: 'text', nullable: true })
  errorMessage!: string | null;

  /** Why it failed, as a stable word (INFOGRAPH_ERROR_CODES); null unless failed. */
  @Column({ name: 'error_code', type: 'varchar', length: 32, nullable: true })
  errorCode!: InfographErrorCode | null;

  /**
   * Requests ahead of it in fal.ai's own queue, as fal last said (at submit, then whenever the
   * reconciler asked); null when fal did not say. 0 while FAL_MAX_IN_FLIGHT keeps fal's queue empty.
   */
  @Column({ name: 'fal_queue_position', type: 'integer', nullable: true })
  falQueuePosition!: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'submitted_at', type: 'timestamptz', nullable: true })
  submittedAt!: Date | null;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt!: Date | null;

  /**
   * When the owner's open page showed the finished infograph (`POST /api/infographs/:id/seen/`):
   * its e-mail, still waiting, is then skipped.
   */
  @Column({ name: 'seen_at', type: 'timestamptz', nullable: true })
  seenAt!: Date | null;

  /**
   * When its notify job finished (every channel done): a terminal row without it lost that job
   * (a Redis crash or failover), and the reconciler enqueues it again.
   */
  @Column({ name: 'notified_at', type: 'timestamptz', nullable: true })
  notifiedAt!: Date | null;
}
