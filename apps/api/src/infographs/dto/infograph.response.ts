import {
  INFOGRAPH_ERROR_CODES,
  INFOGRAPH_STATUSES,
  type Infograph,
  type InfographErrorCode,
  type InfographStatus,
} from '@app/database';
import {
  ASPECT_RATIOS,
  INFOGRAPH_STAGES,
  type InfographStage,
  InfographUpdate,
  RESOLUTIONS,
  toInfographUpdate,
} from '@app/infographs';
import { ApiProperty } from '@nestjs/swagger';

/**
 * `GET /api/infographs/status/:id/` and each history item: the guide's shape plus `error_message`
 * and the image details. The fields a real-time event also carries come from the one mapping in
 * libs/infographs (`toInfographUpdate`), so a page shows the same whichever way it heard.
 */
export class InfographResponse implements InfographUpdate {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: INFOGRAPH_STATUSES, example: 'completed' })
  status!: InfographStatus;

  @ApiProperty({ example: 'Create an infographic about climate change' })
  prompt!: string;

  @ApiProperty({ type: String, format: 'uri', nullable: true, example: null })
  blog_url!: string | null;

  @ApiProperty({ enum: ASPECT_RATIOS, example: '16:9', description: "Normalised to fal's form" })
  aspect_ratio!: string;

  @ApiProperty({ enum: RESOLUTIONS, example: '1K' })
  resolution!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: "fal's request id, once submitted",
  })
  request_id!: string | null;

  @ApiProperty({
    type: String,
    format: 'uri',
    nullable: true,
    example: 'https://images.example.com/infographs/u/5b0c4f1e.png',
    description: 'Our copy of the image; set once completed',
  })
  image_url!: string | null;

  @ApiProperty({ type: 'integer', nullable: true, example: 1376, description: 'Pixels' })
  width!: number | null;

  @ApiProperty({ type: 'integer', nullable: true, example: 768, description: 'Pixels' })
  height!: number | null;

  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description: 'Why it failed (its credits were refunded)',
  })
  error_message!: string | null;

  @ApiProperty({
    // null listed too: OpenAPI 3.0's `nullable` does not add it to an enum's values.
    enum: [...INFOGRAPH_ERROR_CODES, null],
    nullable: true,
    example: null,
    description:
      'Why it failed, as a stable word to branch on (`cancelled` when its user cancelled it); null unless failed',
  })
  error_code!: InfographErrorCode | null;

  @ApiProperty({ type: 'integer', example: 1 })
  credits_charged!: number;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  @ApiProperty({ format: 'date-time' })
  updated_at!: string;

  @ApiProperty({
    enum: INFOGRAPH_STAGES,
    example: 'completed',
    description:
      '`queued` (not yet at fal.ai), `generating`, `uploading` (copying the image), then `completed` or `failed`',
  })
  stage!: InfographStage;

  @ApiProperty({ format: 'date-time', description: 'When its clock started: its create' })
  started_at!: string;

  @ApiProperty({
    type: 'integer',
    example: 21500,
    description: 'Milliseconds since started_at: to now while unfinished, to its end once finished',
  })
  elapsed_ms!: number;

  static from(i: Infograph): InfographResponse {
    const update = toInfographUpdate(i);
    // Field order is the JSON clients have always received.
    return {
      id: update.id,
      status: update.status,
      prompt: i.prompt,
      blog_url: i.blogUrl,
      aspect_ratio: i.aspectRatio,
      resolution: i.resolution,
      request_id: i.falRequestId,
      image_url: update.image_url,
      width: i.width,
      height: i.height,
      error_message: update.error_message,
      error_code: update.error_code,
      credits_charged: i.creditsCharged,
      created_at: i.createdAt.toISOString(),
      updated_at: update.updated_at,
      stage: update.stage,
      started_at: i.createdAt.toISOString(),
      elapsed_ms: update.elapsed_ms as number,
    };
  }
}

/**
 * `GET /api/infographs/status/:id/`: an infograph plus where it waits and about how long it has
 * left, estimated from recent generation times at its resolution (see progress-estimate.ts).
 */
export class InfographStatusResponse extends InfographResponse {
  @ApiProperty({
    type: 'integer',
    nullable: true,
    example: 3,
    description:
      'Infographs ahead of it in the queue for fal.ai (fair order across users); 0 once fal.ai has it; null when finished or not known',
  })
  queue_position!: number | null;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    example: 0,
    description:
      "Requests ahead of it in fal.ai's own queue for the account, as fal.ai last said (at submit, then whenever the reconciler asks about a late one); 0 while FAL_MAX_IN_FLIGHT keeps fal's queue empty; null before fal.ai has it or when it did not say",
  })
  fal_queue_position!: number | null;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    example: 24000,
    description:
      'About how many milliseconds until its image is ready, from recent generation times at its resolution; null when finished or not known',
  })
  eta_ms!: number | null;
}
