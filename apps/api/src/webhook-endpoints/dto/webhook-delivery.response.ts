import type { DeliveryRecord } from '@app/customer-webhooks';
import { WEBHOOK_MESSAGE_STATUSES, type WebhookAttempt, type WebhookMessage } from '@app/database';
import { ApiProperty } from '@nestjs/swagger';

export class WebhookAttemptResponse {
  @ApiProperty({ format: 'date-time' })
  attempted_at!: string;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    example: 200,
    description: 'The endpoint’s HTTP status; null when it did not answer',
  })
  status_code!: number | null;

  @ApiProperty({ type: 'integer', example: 84 })
  duration_ms!: number;

  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description: 'Why it failed; null on success',
  })
  error!: string | null;

  static from(a: WebhookAttempt): WebhookAttemptResponse {
    return {
      attempted_at: a.attemptedAt.toISOString(),
      status_code: a.statusCode,
      duration_ms: a.durationMs,
      error: a.error,
    };
  }
}

/** One event sent (or being sent) to an endpoint, and every attempt, newest first. */
export class WebhookDeliveryResponse {
  @ApiProperty({
    example: 'msg_5b0c4f1e2f7a4c1b9d7e0e6f3b2a1c9d',
    description: 'The `webhook-id` header of every attempt: the same on each, for deduplication',
  })
  id!: string;

  @ApiProperty({ example: 'infograph.completed' })
  event_type!: string;

  @ApiProperty({
    enum: WEBHOOK_MESSAGE_STATUSES,
    description: 'pending: being tried (retries back off over about a day); failed: given up',
  })
  status!: string;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  delivered_at!: string | null;

  @ApiProperty({ type: [WebhookAttemptResponse] })
  attempts!: WebhookAttemptResponse[];

  static from(m: WebhookMessage, attempts: WebhookAttempt[] = []): WebhookDeliveryResponse {
    return {
      id: m.id,
      event_type: m.eventType,
      status: m.status,
      created_at: m.createdAt.toISOString(),
      delivered_at: m.deliveredAt?.toISOString() ?? null,
      attempts: attempts.map((a) => WebhookAttemptResponse.from(a)),
    };
  }

  static fromRecord(record: DeliveryRecord): WebhookDeliveryResponse {
    return WebhookDeliveryResponse.from(record.message, record.attempts);
  }
}

export class WebhookDeliveryListResponse {
  @ApiProperty({ type: [WebhookDeliveryResponse], description: 'The latest 50, newest first' })
  deliveries!: WebhookDeliveryResponse[];
}
