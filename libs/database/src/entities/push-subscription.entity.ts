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
 * One browser's Web Push subscription (the page's `PushSubscription.toJSON()`): where its push
 * service takes our messages (`endpoint`), and the keys each message is encrypted to (RFC 8291).
 * An endpoint belongs to one browser profile, so it is unique: subscribing it again moves it to
 * whoever signed in there last. Removed when the push service answers 404 or 410.
 */
@Entity({ name: 'push_subscriptions' })
@Index('ix_push_subscriptions_user', ['userId', 'createdAt'])
export class PushSubscription {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @Column({ type: 'varchar', length: 2048 })
  @Index('uq_push_subscriptions_endpoint', { unique: true })
  endpoint!: string;

  /** The browser's P-256 public key (URL-safe base64, 65 bytes uncompressed). */
  @Column({ type: 'varchar', length: 128 })
  p256dh!: string;

  /** The 16-byte authentication secret (URL-safe base64). */
  @Column({ type: 'varchar', length: 64 })
  auth!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
