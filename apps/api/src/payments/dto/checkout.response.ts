import type { StartedCheckout } from '@app/payments';
import { ApiProperty } from '@nestjs/swagger';

/** `POST /api/credits/checkout/`: where to send the buyer. */
export class CheckoutResponse {
  @ApiProperty({
    format: 'uuid',
    description: 'The purchase, as listed by /api/credits/purchases/',
  })
  purchase_id!: string;

  @ApiProperty({ example: 'starter' })
  pack!: string;

  @ApiProperty({ type: 'integer', example: 10 })
  credits!: number;

  @ApiProperty({ type: 'integer', example: 500 })
  price!: number;

  @ApiProperty({ example: 'usd' })
  currency!: string;

  @ApiProperty({
    example: 'https://checkout.stripe.com/c/pay/cs_test_…',
    description:
      "Stripe's hosted checkout page; it sends the buyer back with ?checkout=success or ?checkout=cancel",
  })
  checkout_url!: string;

  static from({ purchase, url }: StartedCheckout): CheckoutResponse {
    return {
      purchase_id: purchase.id,
      pack: purchase.packId,
      credits: purchase.credits,
      price: purchase.price,
      currency: purchase.currency,
      checkout_url: url,
    };
  }
}
