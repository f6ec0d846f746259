import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';

import { WebhookMessage } from './webhook-message.entity';

/** One attempt to deliver a webhook message: what the endpoint answered, or why it did not. */
@Entity({ name: 'webhook_attempts' })
@Index('ix_webhook_attempts_message', ['messageId', 'attemptedAt'])
export class WebhookAttempt {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'message_id', type: 'varchar', length: 40 })
  messageId!: string;

  @ManyToOne(() => WebhookMessage, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'message_id' })
  message?: WebhookMessage;

  @CreateDateColumn({ name: 'attempted_at', type: 'timestamptz' })
  attemptedAt!: Date;

  /** The endpoint's HTTP status; null when there was no answer (refused, timed out, blocked). */
  @Column({ name: 'status_code', type: 'integer', nullable: true })
  statusCode!: number | null;

  @Column({ name: 'duration_ms', type: 'integer' })
  durationMs!: number;

  /** Why it failed, for the customer (never the response body). Null on success. */
  @Column({ type: 'varchar', length: 300, nullable: true })
  error!: string | null;
}
