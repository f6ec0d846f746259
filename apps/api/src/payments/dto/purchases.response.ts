import {
  LEDGER_REASONS,
  type LedgerReason,
  PURCHASE_STATUSES,
  type PurchaseStatus,
} from '@app/database';
import type { PurchaseWithEntries } from '@app/payments';
import { ApiProperty } from '@nestjs/swagger';

/** A ledger entry a purchase made: its grant, or a clawback after a refund or dispute. */
export class PurchaseEntryResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ type: 'integer', example: 10 })
  amount!: number;

  @ApiProperty({ enum: LEDGER_REASONS, example: 'purchase' })
  reason!: LedgerReason;

  @ApiProperty({ type: String, nullable: true, example: 'purchase:5b0c4f1e-…' })
  reference!: string | null;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;
}

export class PurchaseResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'starter' })
  pack_id!: string;

  @ApiProperty({ example: 'Starter: 10 credits' })
  pack_name!: string;

  @ApiProperty({ type: 'integer', example: 10 })
  credits!: number;

  @ApiProperty({ type: 'integer', example: 500, description: 'Smallest currency unit' })
  price!: number;

  @ApiProperty({ example: 'usd' })
  currency!: string;

  @ApiProperty({ enum: PURCHASE_STATUSES, example: 'paid' })
  status!: PurchaseStatus;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'cs_test_a1b2…',
    description: "The payment's reference at Stripe: its Checkout Session id",
  })
  payment_reference!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: "Stripe's receipt, once an event carried it (a charge's); else null",
  })
  receipt_url!: string | null;

  @ApiProperty({ type: 'integer', example: 0, description: 'Taken back after refunds or disputes' })
  clawed_back_credits!: number;

  @ApiProperty({
    type: 'integer',
    example: 0,
    description: 'Refunded or disputed credits that were already spent (not taken back)',
  })
  unrecovered_credits!: number;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  paid_at!: string | null;

  @ApiProperty({ type: [PurchaseEntryResponse] })
  entries!: PurchaseEntryResponse[];

  static from({ purchase: p, entries }: PurchaseWithEntries): PurchaseResponse {
    return {
      id: p.id,
      pack_id: p.packId,
      pack_name: p.packName,
      credits: p.credits,
      price: p.price,
      currency: p.currency,
      status: p.status,
      payment_reference: p.stripeSessionId,
      receipt_url: p.receiptUrl,
      clawed_back_credits: p.clawedBackCredits,
      unrecovered_credits: p.unrecoveredCredits,
      created_at: p.createdAt.toISOString(),
      paid_at: p.paidAt?.toISOString() ?? null,
      entries: entries.map((e) => ({
        id: e.id,
        amount: e.amount,
        reason: e.reason,
        reference: e.reference,
        created_at: e.createdAt.toISOString(),
      })),
    };
  }
}

/** `GET /api/credits/purchases/`: the user's purchases, newest first. */
export class PurchasesResponse {
  @ApiProperty({ type: [PurchaseResponse] })
  items!: PurchaseResponse[];
}
