import { FAL_WEBHOOK_OUTCOMES, type FalWebhookOutcome } from '@app/database';
import { ApiProperty } from '@nestjs/swagger';

/** `POST /api/infographs/webhook/:id/`: the delivery is recorded, and what became of it. */
export class FalWebhookResponse {
  @ApiProperty({ enum: [true] })
  received!: true;

  @ApiProperty({ enum: FAL_WEBHOOK_OUTCOMES, example: 'accepted' })
  outcome!: FalWebhookOutcome;
}
