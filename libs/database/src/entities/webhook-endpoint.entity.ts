import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';

import { User } from './user.entity';

/**
 * A customer's webhook endpoint (libs/customer-webhooks): where we POST the events it subscribed
 * to, signed per Standard Webhooks with `secret`. The secret is kept as it is, not hashed: every
 * delivery is signed with it. After a rotation the previous one signs too, until it expires.
 */
@Entity({ name: 'webhook_endpoints' })
@Index('ix_webhook_endpoints_user', ['userId', 'createdAt'])
export class WebhookEndpoint {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @Column({ type: 'varchar', length: 2048 })
  url!: string;

  /** The event types delivered here (`infograph.completed`, …). */
  @Column({ name: 'event_types', type: 'text', array: true })
  eventTypes!: string[];

  @Column({ type: 'varchar', length: 200, default: '' })
  description!: string;

  /** `whsec_` and the base64 of 24 random bytes. */
  @Column({ type: 'varchar', length: 64 })
  secret!: string;

  @Column({ name: 'previous_secret', type: 'varchar', length: 64, nullable: true })
  previousSecret!: string | null;

  @Column({ name: 'previous_secret_expires_at', type: 'timestamptz', nullable: true })
  previousSecretExpiresAt!: Date | null;

  /** Since when every attempt has failed (null after a success); drives disabling. */
  @Column({ name: 'failing_since', type: 'timestamptz', nullable: true })
  failingSince!: Date | null;

  /** Set when it failed for too long (or never); nothing is sent to it while set. */
  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true })
  disabledAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
