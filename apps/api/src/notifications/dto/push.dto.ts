import { MAX_PUSH_ENDPOINT_LENGTH } from '@app/notify';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsDefined,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';

export class PushKeysDto {
  @ApiProperty({
    description: "The browser's P-256 public key (URL-safe base64, 65 bytes uncompressed)",
    example:
      'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM',
  })
  @Matches(/^[A-Za-z0-9_-]{87}={0,1}$/, {
    message: 'keys.p256dh must be a URL-safe base64 P-256 public key (65 bytes)',
  })
  @IsString()
  p256dh!: string;

  @ApiProperty({
    description: 'The 16-byte authentication secret (URL-safe base64)',
    example: 'tBHItJI5svbpez7KI4CCXg',
  })
  @Matches(/^[A-Za-z0-9_-]{22}(==)?$/, {
    message: 'keys.auth must be a URL-safe base64 16-byte secret',
  })
  @IsString()
  auth!: string;
}

/** `POST /api/push/subscriptions/`: the browser's `PushSubscription.toJSON()`, as it is. */
export class PushSubscriptionDto {
  @ApiProperty({
    format: 'uri',
    maxLength: MAX_PUSH_ENDPOINT_LENGTH,
    example: 'https://fcm.googleapis.com/fcm/send/c1KrmpTuRm…',
    description: 'The push service URL; https on a public address',
  })
  @MaxLength(MAX_PUSH_ENDPOINT_LENGTH)
  @IsString()
  endpoint!: string;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    description: 'When the subscription expires (ms since the epoch), if the browser says',
  })
  @IsNumber()
  @IsOptional()
  expirationTime?: number | null;

  @ApiProperty({ type: PushKeysDto })
  @ValidateNested()
  @Type(() => PushKeysDto)
  @IsDefined()
  keys!: PushKeysDto;
}

/** `DELETE /api/push/subscriptions/`. */
export class PushEndpointDto {
  @ApiProperty({ format: 'uri', maxLength: MAX_PUSH_ENDPOINT_LENGTH })
  @MaxLength(MAX_PUSH_ENDPOINT_LENGTH)
  @IsString()
  endpoint!: string;
}

export class PushSettingsResponse {
  @ApiProperty({ description: 'False when this server has no VAPID keys: do not subscribe' })
  enabled!: boolean;

  @ApiProperty({
    type: String,
    nullable: true,
    description:
      '`applicationServerKey` for `pushManager.subscribe` (URL-safe base64); null when disabled',
  })
  vapid_public_key!: string | null;
}

export class PushSubscriptionResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uri' })
  endpoint!: string;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;
}
