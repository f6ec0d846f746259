import { preparedQuery } from '@app/database';
import { JobProducer } from '@app/queues';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { type WebhookEventType, eventPayload } from './event-types';

/**
 * Where events enter: one message per endpoint of the user that subscribed to the type, then one
 * delivery job each. Idempotent by `eventKey` (unique per endpoint, e.g.
 * `infograph.completed:<id>`): announcing again (a retried notify job) adds no message, and
 * re-enqueues only those still pending, under the same job ids, which BullMQ ignores while they
 * live. So a crash between the insert and the enqueue loses nothing.
 */
@Injectable()
export class WebhookAnnouncer {
  constructor(
    private readonly dataSource: DataSource,
    private readonly producer: JobProducer,
  ) {}

  /** Returns the ids of the messages (to be) delivered for this event. */
  async announce(
    userId: string,
    type: WebhookEventType,
    eventKey: string,
    data: unknown,
  ): Promise<string[]> {
    // One statement: the new messages, and the pending ones an earlier run of the same event
    // made (the second part reads the table as it was before this statement's inserts).
    const pending = await preparedQuery<{ id: string }>(
      this.dataSource,
      `WITH made AS (
         INSERT INTO webhook_messages (id, endpoint_id, event_type, event_key, payload)
         SELECT 'msg_' || replace(gen_random_uuid()::text, '-', ''), e.id, $2::text, $3, $4
           FROM webhook_endpoints e
          WHERE e.user_id = $1 AND e.disabled_at IS NULL AND $2::text = ANY(e.event_types)
         ON CONFLICT (endpoint_id, event_key) DO NOTHING
         RETURNING id)
       SELECT id FROM made
       UNION
       SELECT m.id FROM webhook_messages m JOIN webhook_endpoints e ON e.id = m.endpoint_id
        WHERE e.user_id = $1 AND m.event_key = $3 AND m.status = 'pending'`,
      [userId, type, eventKey, eventPayload(type, data)],
    );
    const ids = pending.map((row) => row.id);
    await this.producer.deliverWebhooks(ids);
    return ids;
  }
}
