import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
} from 'typeorm';

import { WebhookEndpoint } from './webhook-endpoint.entity';

export const WEBHOOK_MESSAGE_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type WebhookMessageStatus = (typeof WEBHOOK_MESSAGE_STATUSES)[number];

/**
 * One event for one endpoint. Its id is the `webhook-id` of every attempt to deliver it, so a
 * receiver can drop repeats; `event_key` (e.g. `infograph.completed:<id>`) is unique per
 * endpoint, so announcing the same event twice makes no second message. `payload` is the exact
 * body sent, fixed at creation, so every attempt's signature covers the same bytes.
 */
@Entity({ name: 'webhook_messages' })
@Index('uq_webhook_messages_endpoint_event', ['endpointId', 'eventKey'], { unique: true })
@Index('ix_webhook_messages_endpoint_created', ['endpointId', 'createdAt'])
@Index('ix_webhook_messages_created', ['createdAt'])
// The reconciler's scan for messages whose delivery job was lost: the pending ones only.
@Index('ix_webhook_messages_pending', ['createdAt'], { where: `"status" = 'pending'` })
@Check('ck_webhook_messages_status', `"status" IN ('pending', 'delivered', 'failed')`)
export class WebhookMessage {
  /** `msg_` and 32 hex digits. */
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id!: string;

  @Column({ name: 'endpoint_id', type: 'uuid' })
  endpointId!: string;

  @ManyToOne(() => WebhookEndpoint, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'endpoint_id' })
  endpoint?: WebhookEndpoint;

  @Column({ name: 'event_type', type: 'varchar', length: 64 })
  eventType!: string;

  @Column({ name: 'event_key', type: 'varchar', length: 200 })
  eventKey!: string;

  @Column({ type: 'text' })
  payload!: string;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status!: WebhookMessageStatus;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt!: Date | null;
}
