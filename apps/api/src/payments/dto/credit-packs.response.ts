import type { CreditPack } from '@app/config';
import { ApiProperty } from '@nestjs/swagger';

export class CreditPackResponse {
  @ApiProperty({ example: 'starter' })
  id!: string;

  @ApiProperty({ example: 'Starter: 10 credits' })
  name!: string;

  @ApiProperty({ type: 'integer', example: 10 })
  credits!: number;

  @ApiProperty({
    type: 'integer',
    example: 500,
    description: "In the currency's smallest unit, as Stripe counts it: 500 with usd is $5.00",
  })
  price!: number;

  @ApiProperty({ example: 'usd', description: 'ISO 4217, lower case' })
  currency!: string;

  static from(p: CreditPack): CreditPackResponse {
    return { id: p.id, name: p.name, credits: p.credits, price: p.price, currency: p.currency };
  }
}

/** `GET /api/credits/packs/`: what can be bought, and whether buying is switched on here. */
export class CreditPacksResponse {
  @ApiProperty({ description: 'false when the server has no Stripe keys: checkout answers 503' })
  purchases_enabled!: boolean;

  @ApiProperty({ type: [CreditPackResponse] })
  packs!: CreditPackResponse[];
}
