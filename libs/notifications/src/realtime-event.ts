/**
 * The envelope of every real-time event (kept in the user's Redis Stream, and published on the
 * deployment's channel wrapped with its id, see `parsePublishedEvent`): `type` says what it
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

/** An event with its id: the Redis Stream id it was kept under (`<ms>-<seq>`, rising per user). */
export interface StampedEvent {
  id: string;
  event: RealtimeEvent;
}

/** One channel for all events of a deployment; the prefix keeps test runs and apps apart. */
export function realtimeChannel(redisPrefix: string): string {
  return `${redisPrefix}:events`;
}

/** The Redis Stream that keeps a user's recent events, so a client that reconnects can catch up. */
export function realtimeStreamKey(redisPrefix: string, userId: string): string {
  return `${redisPrefix}:events:${userId}`;
}

export function serializeRealtimeEvent(event: RealtimeEvent): string {
  return JSON.stringify(event);
}

/**
 * The client's message: the event's fields and its `id` (when it has one, to resume from);
 * `userId` is dropped so a client never learns internal routing data.
 */
export function toClientMessage(event: RealtimeEvent, id?: string): Record<string, unknown> {
  const { userId: _userId, ...fields } = event;
  return id === undefined ? fields : { id, ...fields };
}

/** What a Redis Stream id looks like; anything else a client sends as its last id is refused. */
const EVENT_ID = /^(\d{1,16})-(\d{1,16})$/;

export function isEventId(value: string): boolean {
  return EVENT_ID.test(value);
}

/** Orders two stream ids (negative, 0, positive), numerically as Redis does. */
export function compareEventIds(a: string, b: string): number {
  const [aMs, aSeq] = idParts(a);
  const [bMs, bSeq] = idParts(b);
  return aMs !== bMs ? (aMs < bMs ? -1 : 1) : aSeq === bSeq ? 0 : aSeq < bSeq ? -1 : 1;
}

/** The moment (Redis' clock, epoch ms) an event id was given out. */
export function eventIdTime(id: string): number {
  return Number(idParts(id)[0]);
}

function idParts(id: string): [bigint, bigint] {
  const match = EVENT_ID.exec(id);
  if (!match) {
    throw new Error(`not an event id: ${id}`);
  }
  return [BigInt(match[1]), BigInt(match[2])];
}

/**
 * Reads a message from the channel (`{"id": <stream id>, "event": <event>}`, see the publisher):
 * null for anything else (a stray publish) so one bad message cannot break the others.
 */
export function parsePublishedEvent(raw: string): StampedEvent | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) {
    return null;
  }
  const { id, event } = value as { id?: unknown; event?: unknown };
  if (typeof id !== 'string' || !isEventId(id)) {
    return null;
  }
  const parsed = asRealtimeEvent(event);
  return parsed ? { id, event: parsed } : null;
}

/**
 * Reads a message from the channel: the whole event when it has an envelope, null for anything
 * else (a stray publish) so one bad message cannot break delivery of the others.
 */
export function parseRealtimeEvent(raw: string): RealtimeEvent | null {
  try {
    return asRealtimeEvent(JSON.parse(raw));
  } catch {
    return null;
  }
}

function asRealtimeEvent(value: unknown): RealtimeEvent | null {
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
