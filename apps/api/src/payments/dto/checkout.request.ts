import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';

/** `POST /api/credits/checkout/`: which pack to buy. */
export class CheckoutRequest {
  @ApiProperty({ example: 'starter', description: 'A pack id from GET /api/credits/packs/' })
  @IsString()
  @MaxLength(64)
  pack!: string;
}
