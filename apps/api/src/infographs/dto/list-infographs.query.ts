import { INFOGRAPH_STATUSES, type InfographStatus } from '@app/database';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export class ListInfographsQuery {
  @IsOptional()
  @IsIn(INFOGRAPH_STATUSES, {
    message: 'status must be one of pending, processing, completed, failed',
  })
  status?: InfographStatus;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}
