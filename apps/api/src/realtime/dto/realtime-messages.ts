import { INFOGRAPH_ERROR_CODES, INFOGRAPH_STATUSES, type InfographErrorCode } from '@app/database';
import { INFOGRAPH_STAGES, type InfographStage } from '@app/infographs';
import { ApiProperty } from '@nestjs/swagger';

/**
 * What `/api/ws` sends, for the OpenAPI document (`x-websocket`) and the clients generated from
 * it. The messages themselves are made in libs/infographs and libs/credits; these classes only
 * describe them (the e2e realtime suite checks real messages against these schemas).
 */
export class InfographUpdatePayload {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: INFOGRAPH_STATUSES, example: 'completed' })
  status!: string;

  @ApiProperty({ type: String, format: 'uri', nullable: true })
  image_url!: string | null;

  @ApiProperty({ type: String, nullable: true })
  error_message!: string | null;

  @ApiProperty({ enum: [...INFOGRAPH_ERROR_CODES, null], nullable: true })
  error_code!: InfographErrorCode | null;

  @ApiProperty({ format: 'date-time' })
  updated_at!: string;

  @ApiProperty({ enum: INFOGRAPH_STAGES })
  stage!: InfographStage;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  started_at!: string | null;

  @ApiProperty({ type: 'integer', nullable: true })
  elapsed_ms!: number | null;
}

/** An infographic of the user's changed (created, generating, uploading, done, failed). */
export class InfographUpdatedMessage {
  @ApiProperty({ enum: ['infograph.updated'] })
  type!: 'infograph.updated';

  @ApiProperty({ type: InfographUpdatePayload })
  infograph!: InfographUpdatePayload;
}

/** The user's balance changed (a purchase, a refund, a clawback). */
export class CreditsUpdatedMessage {
  @ApiProperty({ enum: ['credits.updated'] })
  type!: 'credits.updated';

  @ApiProperty({ type: 'integer', minimum: 0, example: 12 })
  balance!: number;
}

/** The first message on every socket: who it belongs to. */
export class HelloMessage {
  @ApiProperty({ enum: ['hello'] })
  type!: 'hello';

  @ApiProperty({ format: 'uuid', description: 'The user whose events this socket receives' })
  user_id!: string;
}
