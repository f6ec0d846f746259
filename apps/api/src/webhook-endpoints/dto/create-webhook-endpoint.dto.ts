import {
  MAX_ENDPOINT_URL_LENGTH,
  WEBHOOK_EVENT_TYPES,
  type WebhookEventType,
} from '@app/customer-webhooks';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';

/**
 * `POST /api/webhook-endpoints/`. The URL's full rules (https, public, no credentials) are the
 * service's (`endpointUrlProblem`), answered as `invalid_webhook_url`; here only its type and size.
 */
export class CreateWebhookEndpointDto {
  @ApiProperty({
    format: 'uri',
    maxLength: MAX_ENDPOINT_URL_LENGTH,
    example: 'https://example.com/hooks/ainfographic',
    description:
      'https only; must resolve to public internet addresses (checked on every delivery)',
  })
  @MaxLength(MAX_ENDPOINT_URL_LENGTH)
  @IsString()
  url!: string;

  @ApiProperty({
    enum: WEBHOOK_EVENT_TYPES,
    isArray: true,
    minItems: 1,
    example: ['infograph.completed', 'infograph.failed'],
    description:
      'The events sent to it (a cancel is `infograph.failed` with `error_code` `cancelled`)',
  })
  @IsIn(WEBHOOK_EVENT_TYPES, { each: true })
  @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length)
  @ArrayMinSize(1)
  @IsArray()
  event_types!: WebhookEventType[];

  @ApiPropertyOptional({ maxLength: 200, example: 'production backend' })
  // Postgres text cannot hold NUL.
  @Matches(/^[^\u0000]*$/, { message: 'description must not contain NUL characters' })
  @MaxLength(200)
  @IsString()
  @IsOptional()
  description?: string;
}
