import {
  INFOGRAPH_ERROR_CODES,
  INFOGRAPH_STATUSES,
  type Infograph,
  type InfographErrorCode,
  type InfographStatus,
} from '@app/database';

import {
  elapsedMs,
  INFOGRAPH_STAGES,
  type InfographStage,
  type ProgressSource,
  stageOf,
} from './infograph-progress';

/**
 * What every client is told about an infograph's progress: the status answer and the history
 * items (the api's `InfographResponse`) and the real-time event all carry these fields, so they
 * are mapped from the row here, once. Clients parse them: wire format.
 */
export interface InfographUpdate {
  id: string;
  status: InfographStatus;
  image_url: string | null;
  error_message: string | null;
  /** Why it failed, as a stable word (`cancelled`, `timed_out`, …); null unless failed. */
  error_code: InfographErrorCode | null;
  /** ISO 8601. */
  updated_at: string;
  /** Where it is: `queued`, `generating`, `uploading`, then `completed` or `failed` (see stageOf). */
  stage: InfographStage;
  /** When its clock started (its create), ISO 8601; null only in an event from an older worker. */
  started_at: string | null;
  /** Time since `started_at`, to now or to its end once finished; null as `started_at`. */
  elapsed_ms: number | null;
  /**
   * About how long until its image is ready, ms, when the sender knows (the status answer; the
   * event of its submit to fal); absent otherwise.
   */
  eta_ms?: number | null;
}

/** The columns an update is made of (a step's RETURNING row is enough). */
export type InfographUpdateSource = Pick<
  Infograph,
  'id' | 'status' | 'imageUrl' | 'errorMessage' | 'errorCode' | 'updatedAt'
> &
  ProgressSource;

export function toInfographUpdate(i: InfographUpdateSource, now = Date.now()): InfographUpdate {
  return {
    id: i.id,
    status: i.status,
    image_url: i.imageUrl,
    error_message: i.errorMessage,
    error_code: i.errorCode,
    updated_at: i.updatedAt.toISOString(),
    stage: stageOf(i),
    started_at: i.createdAt.toISOString(),
    elapsed_ms: elapsedMs(i, now),
  };
}

/**
 * The real-time event the worker publishes and the api forwards to the owner's WebSockets (minus
 * `userId`, which only routes it). libs/notifications carries any `{ type, userId }` event; what
 * an infograph event holds is decided here, beside the status words it uses.
 */
export interface InfographUpdatedEvent {
  type: 'infograph.updated';
  userId: string;
  infograph: InfographUpdate;
}

export function infographUpdatedEvent(
  i: InfographUpdateSource & Pick<Infograph, 'userId'>,
  estimate: Pick<InfographUpdate, 'eta_ms'> = {},
): InfographUpdatedEvent {
  return {
    type: 'infograph.updated',
    userId: i.userId,
    infograph: { ...toInfographUpdate(i), ...estimate },
  };
}

/**
 * An event read off the channel, checked field by field and rebuilt with only the known fields
 * (a newer publisher's additions never reach clients). Null for anything else: another version
 * of the app, or a stray publish, must not break delivery of the others.
 */
export function readInfographUpdatedEvent(value: unknown): InfographUpdatedEvent | null {
  if (!isRecord(value) || value.type !== 'infograph.updated' || !isNonEmptyString(value.userId)) {
    return null;
  }
  const infograph = value.infograph;
  if (
    !isRecord(infograph) ||
    !isNonEmptyString(infograph.id) ||
    !INFOGRAPH_STATUSES.includes(infograph.status as InfographStatus) ||
    !isStringOrNull(infograph.image_url) ||
    !isStringOrNull(infograph.error_message) ||
    !isErrorCodeOrAbsent(infograph.error_code) ||
    typeof infograph.updated_at !== 'string' ||
    !isStageOrAbsent(infograph.stage) ||
    !(infograph.started_at === undefined || isStringOrNull(infograph.started_at)) ||
    !isMsOrAbsent(infograph.elapsed_ms) ||
    !isMsOrAbsent(infograph.eta_ms)
  ) {
    return null;
  }
  const status = infograph.status as InfographStatus;
  return {
    type: 'infograph.updated',
    userId: value.userId,
    infograph: {
      id: infograph.id,
      status,
      image_url: infograph.image_url,
      error_message: infograph.error_message,
      // An event from a publisher older than error_code has none.
      error_code: (infograph.error_code as InfographErrorCode | undefined) ?? null,
      updated_at: infograph.updated_at,
      // One older than the progress fields: the stage its status implies, no clock.
      stage:
        (infograph.stage as InfographStage | undefined) ??
        stageOf({
          status,
          falRequestId: status === 'processing' ? 'unknown' : null,
          falImageUrl: null,
        }),
      started_at: infograph.started_at ?? null,
      elapsed_ms: (infograph.elapsed_ms as number | null | undefined) ?? null,
      ...(typeof infograph.eta_ms === 'number' ? { eta_ms: infograph.eta_ms } : {}),
    },
  };
}

/** A duration in ms (never negative), null, or not there. */
function isMsOrAbsent(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'number' && value >= 0);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function isErrorCodeOrAbsent(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    INFOGRAPH_ERROR_CODES.includes(value as InfographErrorCode)
  );
}

function isStageOrAbsent(value: unknown): boolean {
  return value === undefined || INFOGRAPH_STAGES.includes(value as InfographStage);
}

function isStringOrNull(value: unknown): value is string | null {
  return value === null || typeof value === 'string';
}
