import { INFOGRAPH_STATUSES, type InfographStatus } from '@app/database';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export class ListInfographsQuery {
  @ApiPropertyOptional({ enum: INFOGRAPH_STATUSES })
  @IsOptional()
  @IsIn(INFOGRAPH_STATUSES, {
    message: `status must be one of ${INFOGRAPH_STATUSES.join(', ')}`,
  })
  status?: InfographStatus;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'next_cursor from the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}
