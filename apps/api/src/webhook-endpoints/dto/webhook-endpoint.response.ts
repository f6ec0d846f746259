import { WEBHOOK_EVENT_TYPES } from '@app/customer-webhooks';
import type { WebhookEndpoint } from '@app/database';
import { ApiProperty } from '@nestjs/swagger';

/** An endpoint as its owner sees it; never its secret (shown once, at creation and rotation). */
export class WebhookEndpointResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uri', example: 'https://example.com/hooks/ainfographic' })
  url!: string;

  @ApiProperty({ example: 'production backend' })
  description!: string;

  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, isArray: true })
  event_types!: string[];

  @ApiProperty({ description: 'False once it failed for too long; `POST …/enable/` re-enables it' })
  enabled!: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  disabled_at!: string | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Since when every delivery has failed; null after a success',
  })
  failing_since!: string | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Until when the secret before the last rotation still signs too',
  })
  previous_secret_expires_at!: string | null;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  static from(e: WebhookEndpoint): WebhookEndpointResponse {
    const overlap = e.previousSecretExpiresAt && e.previousSecretExpiresAt > new Date();
    return {
      id: e.id,
      url: e.url,
      description: e.description,
      event_types: e.eventTypes,
      enabled: e.disabledAt === null,
      disabled_at: e.disabledAt?.toISOString() ?? null,
      failing_since: e.failingSince?.toISOString() ?? null,
      previous_secret_expires_at: overlap ? e.previousSecretExpiresAt!.toISOString() : null,
      created_at: e.createdAt.toISOString(),
    };
  }
}

/** The answer to a create or a rotation: the endpoint and its secret, shown this once. */
export class WebhookEndpointWithSecretResponse extends WebhookEndpointResponse {
  @ApiProperty({
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description:
      'The signing secret (Standard Webhooks); shown only now: store it to verify deliveries',
  })
  secret!: string;

  static withSecret(e: WebhookEndpoint): WebhookEndpointWithSecretResponse {
    return { ...WebhookEndpointResponse.from(e), secret: e.secret };
  }
}

export class WebhookEndpointListResponse {
  @ApiProperty({ type: [WebhookEndpointResponse] })
  endpoints!: WebhookEndpointResponse[];
}
