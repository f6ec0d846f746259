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

  @ApiProperty({
    type: 'integer',
    required: false,
    description:
      'About how long until its image is ready, ms: sent with the event of its submit to fal.ai (a typical generation time at its resolution)',
  })
  eta_ms?: number;
}

/** An event's id: a Redis Stream id, rising per user; resume from the last one you saw. */
const EVENT_ID = {
  type: String,
  pattern: '^[0-9]+-[0-9]+$',
  example: '1764460000000-0',
  description:
    'The event id; reconnect with it (WebSocket ?last_event_id=, SSE Last-Event-ID) to get what came after',
};

/** An infographic of the user's changed (created, generating, uploading, done, failed). */
export class InfographUpdatedMessage {
  @ApiProperty(EVENT_ID)
  id!: string;

  @ApiProperty({ enum: ['infograph.updated'] })
  type!: 'infograph.updated';

  @ApiProperty({ type: InfographUpdatePayload })
  infograph!: InfographUpdatePayload;
}

/** The user's balance changed (a purchase, a refund, a clawback). */
export class CreditsUpdatedMessage {
  @ApiProperty(EVENT_ID)
  id!: string;

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

  @ApiProperty({
    ...EVENT_ID,
    nullable: true,
    description:
      'Where this connection goes on from: the last id you gave when resuming, else the newest id kept (null: none). ' +
      'Keep it as your last id until an event comes.',
  })
  id!: string | null;
}

/**
 * The last id you gave is no longer kept (older than the replay window) or could not be read:
 * events may have been missed, so re-read what you show (statuses, balance). Live events follow.
 */
export class ResyncMessage {
  @ApiProperty({ enum: ['resync'] })
  type!: 'resync';
}
