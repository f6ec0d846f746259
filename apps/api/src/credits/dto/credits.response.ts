import { type CreditLedgerEntry, LEDGER_REASONS, type LedgerReason } from '@app/database';
import { ApiProperty } from '@nestjs/swagger';

/** One ledger entry as the user sees it. */
export class LedgerEntryResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({
    type: 'integer',
    example: -1,
    description: 'Positive adds credits, negative spends them',
  })
  amount!: number;

  @ApiProperty({ enum: LEDGER_REASONS, example: 'charge' })
  reason!: LedgerReason;

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The infograph a refund gave back',
  })
  infograph_id!: string | null;

  @ApiProperty({ type: String, nullable: true, example: null })
  note!: string | null;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  static from(e: CreditLedgerEntry): LedgerEntryResponse {
    return {
      id: e.id,
      amount: e.amount,
      reason: e.reason,
      infograph_id: e.infographId,
      note: e.note,
      created_at: e.createdAt.toISOString(),
    };
  }
}

/** `GET /api/credits/`: the balance and the most recent ledger entries, newest first. */
export class CreditsResponse {
  @ApiProperty({ type: 'integer', example: 10 })
  balance!: number;

  @ApiProperty({ type: [LedgerEntryResponse] })
  entries!: LedgerEntryResponse[];

  static from(balance: number, entries: CreditLedgerEntry[]): CreditsResponse {
    return { balance, entries: entries.map((e) => LedgerEntryResponse.from(e)) };
  }
}
