import { ApiProperty } from '@nestjs/swagger';

/** `GET /api/credits/prices/`: what an image costs, and what a confirmed new account gets. */
export class CreditPricesResponse {
  @ApiProperty({ type: 'integer', example: 1, description: 'Credits per 1K or 2K image' })
  price_per_image!: number;

  @ApiProperty({ type: 'integer', example: 2, description: 'Credits per 4K image' })
  price_4k!: number;

  @ApiProperty({
    type: 'integer',
    example: 3,
    description: 'Credits granted once, when a new account confirms its e-mail address',
  })
  starter_credits!: number;
}
