import { isEventId } from '@app/notifications';

/** A last event id the api cannot resume from; the message says what it expects. */
export class LastEventIdError extends Error {}

/**
 * The last event id a client saw, to resume from: `?last_event_id=` on the WebSocket URL, or the
 * `Last-Event-ID` header of an SSE request (`value`). Null when none; throws `LastEventIdError`
 * when it is not an event id (an empty one counts as none, as EventSource may send it).
 */
export function lastEventIdOf(query: unknown, value?: string | string[]): string | null {
  const params =
    typeof query === 'object' && query !== null ? (query as Record<string, unknown>) : {};
  const given = value ?? params.last_event_id;
  if (given === undefined || given === '') {
    return null;
  }
  if (typeof given !== 'string' || !isEventId(given.trim())) {
    throw new LastEventIdError(
      'last_event_id (Last-Event-ID) must be the id of an event this api sent, like "1700000000000-0".',
    );
  }
  return given.trim();
}
