import type { PublicUrls } from '@app/config';
import type { CreatedInfographs } from '@app/infographs';
import { ApiProperty } from '@nestjs/swagger';

/** One infograph of a create answer: just made, so always `pending` and not yet at fal. */
export class CreatedInfographResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description: "Always null here: the worker submits to fal after the answer (the guide's field)",
  })
  request_id!: null;

  @ApiProperty({ enum: ['pending'] })
  status!: 'pending';

  @ApiProperty({
    format: 'uri',
    example: 'https://api.example.com/api/infographs/status/5b0c4f1e-2f7a-4c1b-9d7e-0e6f3b2a1c9d/',
  })
  status_url!: string;
}

/**
 * `POST /api/infographs/create/`, in the guide's shape. Stored with an Idempotency-Key and replayed
 * as stored, so a change here also changes what older keys replay: keep it additive.
 */
export class CreateInfographsResponse {
  @ApiProperty({ type: [CreatedInfographResponse] })
  infographs!: CreatedInfographResponse[];

  @ApiProperty({ type: 'integer', example: 1 })
  total_submitted!: number;

  @ApiProperty({ type: 'integer', example: 1 })
  credits_used!: number;

  static from(created: CreatedInfographs, urls: PublicUrls): CreateInfographsResponse {
    return {
      infographs: created.ids.map((id) => ({
        id,
        request_id: null,
        status: 'pending',
        status_url: urls.statusOf(id),
      })),
      total_submitted: created.ids.length,
      credits_used: created.creditsUsed,
    };
  }
}
