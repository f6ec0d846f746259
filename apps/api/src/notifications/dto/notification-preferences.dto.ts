import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';

export class NotificationPreferencesResponse {
  @ApiProperty({ description: 'An e-mail when an infographic is finished (not for a cancel)' })
  email!: boolean;

  @ApiProperty({ description: 'A Web Push to your subscribed browsers when one is finished' })
  push!: boolean;
}

/** `PATCH /api/me/notifications/`: either field, or both. */
export class UpdateNotificationPreferencesDto {
  @ApiPropertyOptional()
  @IsBoolean()
  @IsOptional()
  email?: boolean;

  @ApiPropertyOptional()
  @IsBoolean()
  @IsOptional()
  push?: boolean;
}
