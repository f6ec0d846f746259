import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';

import { Infograph } from './infograph.entity';

/** The channels whose sends are recorded (the live event and webhooks are idempotent already). */
export const NOTIFICATION_CHANNELS = ['email', 'push'] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];

/**
 * `sending`: claimed, the send under way (or cut short by a crash: see DeliveryLedger);
 * `sent`: it went out; `skipped`: decided not to send (preference off, seen live, expired).
 */
export const NOTIFICATION_DELIVERY_STATES = ['sending', 'sent', 'skipped'] as const;
export type NotificationDeliveryState = (typeof NOTIFICATION_DELIVERY_STATES)[number];

/**
 * One infograph's notice on one channel to one target (a push subscription's id; '' for the
 * e-mail): the marker that keeps a retried notify job from sending it again.
 */
@Entity({ name: 'notification_deliveries' })
@Check('ck_notification_deliveries_state', `"state" IN ('sending', 'sent', 'skipped')`)
export class NotificationDelivery {
  @PrimaryColumn({ name: 'infograph_id', type: 'uuid' })
  infographId!: string;

  @ManyToOne(() => Infograph, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'infograph_id' })
  infograph?: Infograph;

  @PrimaryColumn({ type: 'varchar', length: 16 })
  channel!: NotificationChannel;

  @PrimaryColumn({ type: 'varchar', length: 64 })
  target!: string;

  @Column({ type: 'varchar', length: 16 })
  state!: NotificationDeliveryState;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
