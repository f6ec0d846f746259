/**
 * The envelope of every real-time event on the deployment's Redis channel: `type` says what it
 * is, `userId` whose open pages may see it. This adapter carries and routes events; what one holds
 * besides is its publisher's wire format (an infograph's: libs/infographs `InfographUpdatedEvent`,
 * which the api checks before forwarding). Clients parse these messages, so the envelope is wire
 * format too.
 */
export interface RealtimeEvent {
  type: string;
  /** Routing only: who may see the event. Never sent to clients. */
  userId: string;
}

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
  return JSON.stringify(message);
}

/**
 * Reads a message from the channel: the whole event when it has an envelope, null for anything
 * else (a stray publish) so one bad message cannot break delivery of the others.
 */
export function parseRealtimeEvent(raw: string): RealtimeEvent | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    !isNonEmptyString((value as Record<string, unknown>).type) ||
    !isNonEmptyString((value as Record<string, unknown>).userId)
  ) {
    return null;
  }
  return value as RealtimeEvent;
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}
