/**
 * Wire format of the real-time events: published by the worker (and the api) on one Redis channel
 * and forwarded, minus `userId`, to the WebSocket clients of that user. Clients parse these
 * messages, so a change here is a breaking API change.
 */
export const INFOGRAPH_STATUSES = ['pending', 'processing', 'completed', 'failed'] as const;
export type RealtimeInfographStatus = (typeof INFOGRAPH_STATUSES)[number];

export interface InfographUpdatedEvent {
  type: 'infograph.updated';
  /** Routing only: who may see the event. Never sent to clients. */
  userId: string;
  infograph: {
    id: string;
    status: RealtimeInfographStatus;
    image_url: string | null;
    error_message: string | null;
    /** ISO 8601. */
    updated_at: string;
  };
}

export type RealtimeEvent = InfographUpdatedEvent;

/** What a WebSocket client receives: the event without its routing field. */
export type RealtimeClientMessage = Omit<RealtimeEvent, 'userId'>;

/** One channel for all events of a deployment; the prefix keeps test runs and apps apart. */
export function realtimeChannel(redisPrefix: string): string {
  return `${redisPrefix}:events`;
}

export function serializeRealtimeEvent(event: RealtimeEvent): string {
  return JSON.stringify(event);
}

/** The client's JSON: `userId` is dropped so a socket never learns internal routing data. */
export function toClientMessage(event: RealtimeEvent): string {
  const { userId: _userId, ...message } = event;
  return JSON.stringify(message satisfies RealtimeClientMessage);
}

/**
 * Reads a message from the channel. Returns null for anything malformed (another version of the
 * app, or a stray publish) so one bad message cannot break delivery of the others.
 */
export function parseRealtimeEvent(raw: string): RealtimeEvent | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!isRecord(value) || value.type !== 'infograph.updated' || !isNonEmptyString(value.userId)) {
    return null;
  }
  const infograph = value.infograph;
  if (
    !isRecord(infograph) ||
    !isNonEmptyString(infograph.id) ||
    !INFOGRAPH_STATUSES.includes(infograph.status as RealtimeInfographStatus) ||
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
      status: infograph.status as RealtimeInfographStatus,
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
