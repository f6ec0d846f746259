import { INFOGRAPH_STATUSES, type Infograph, type InfographStatus } from '@app/database';

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
  /** ISO 8601. */
  updated_at: string;
}

/** The columns an update is made of (a step's RETURNING row is enough). */
export type InfographUpdateSource = Pick<
  Infograph,
  'id' | 'status' | 'imageUrl' | 'errorMessage' | 'updatedAt'
>;

export function toInfographUpdate(i: InfographUpdateSource): InfographUpdate {
  return {
    id: i.id,
    status: i.status,
    image_url: i.imageUrl,
    error_message: i.errorMessage,
    updated_at: i.updatedAt.toISOString(),
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
): InfographUpdatedEvent {
  return { type: 'infograph.updated', userId: i.userId, infograph: toInfographUpdate(i) };
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
    typeof infograph.updated_at !== 'string'
  ) {
    return null;
  }
  return {
    type: 'infograph.updated',
    userId: value.userId,
    infograph: {
      id: infograph.id,
      status: infograph.status as InfographStatus,
      image_url: infograph.image_url,
      error_message: infograph.error_message,
      updated_at: infograph.updated_at,
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function isStringOrNull(value: unknown): value is string | null {
  return value === null || typeof value === 'string';
}
