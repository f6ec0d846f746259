import { AppConfig } from '@app/config';
import {
  type StampedEvent,
  compareEventIds,
  eventIdTime,
  parseRealtimeEvent,
  realtimeStreamKey,
} from '@app/notifications';
import { REDIS, type RedisClient } from '@app/redis';
import { Inject, Injectable } from '@nestjs/common';

/**
 * Where a (re)connecting client starts. `replay`: the events after its last id, all still kept.
 * `resync`: its id is older than what is kept (or unknown): it must re-read the state it shows.
 * `fresh`: it gave no id. `tail` is the newest id given out (null: none kept), the point a
 * `fresh` or `resync` client goes on from.
 */
export type ResumePoint =
  { kind: 'replay'; events: StampedEvent[] } | { kind: 'resync' | 'fresh'; tail: string | null };

/** Reads a user's recent events from the Redis Stream `RealtimePublisher` keeps them in. */
@Injectable()
export class EventHistory {
  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly config: AppConfig,
  ) {}

  /**
   * What the client that last saw `lastId` (null: none) missed. One MULTI, so no trim can run
   * between the check that nothing after `lastId` was dropped and the read.
   */
  async resumeFrom(userId: string, lastId: string | null): Promise<ResumePoint> {
    const key = realtimeStreamKey(this.config.redis.prefix, userId);
    const transaction = this.redis.multi().call('XINFO', 'STREAM', key);
    if (lastId !== null) {
      // `(` makes the range exclusive: the client already has `lastId` itself.
      transaction.xrange(key, `(${lastId}`, '+');
    }
    const results = (await transaction.exec()) ?? [];
    const [infoError, info] = results[0] ?? [];
    // No such key: nothing kept (never any event, or none for a whole window).
    const stream = infoError ? null : streamInfo(info);
    const tail = stream?.lastGeneratedId ?? null;
    if (lastId === null) {
      return { kind: 'fresh', tail };
    }
    if (!this.nothingDroppedAfter(lastId, stream)) {
      return { kind: 'resync', tail };
    }
    const [rangeError, entries] = results[1] ?? [];
    if (rangeError) {
      throw rangeError;
    }
    return { kind: 'replay', events: toEvents(entries) };
  }

  /**
   * True when every event after `lastId` is still kept: `lastId` is within the window (a stream
   * that expired took its events with it), it is not from the future (another deployment's id, or
   * one made up), and no trim removed anything after it. Trims (MAXLEN, MINID) only ever remove
   * the oldest entries, so that holds when the oldest kept entry is not after `lastId`, or when
   * nothing was ever trimmed. When `lastId` itself was the last one trimmed this says false: a
   * needless resync, which is safe.
   */
  private nothingDroppedAfter(lastId: string, stream: StreamInfo | null): boolean {
    const windowStart = Date.now() - this.config.realtime.replayWindowMs;
    if (eventIdTime(lastId) < windowStart) {
      return false;
    }
    if (stream === null) {
      // Nothing kept, so nothing after it was dropped, unless the id is from the future.
      return eventIdTime(lastId) <= Date.now() + CLOCK_SLACK_MS;
    }
    const sinceLast = compareEventIds(lastId, stream.lastGeneratedId);
    if (sinceLast >= 0) {
      return sinceLast === 0;
    }
    if (stream.firstId !== null && compareEventIds(stream.firstId, lastId) <= 0) {
      return true;
    }
    return stream.entriesAdded !== null && stream.entriesAdded === stream.length;
  }
}

/** Redis' clock (which makes the ids) and ours may differ a little. */
const CLOCK_SLACK_MS = 60_000;

interface StreamInfo {
  lastGeneratedId: string;
  /** The oldest entry kept (null: none). */
  firstId: string | null;
  length: number;
  /** Entries ever added (Redis ≥ 7; null before): more than `length` means some were trimmed. */
  entriesAdded: number | null;
}

/** XINFO STREAM answers a flat list of names and values. */
function streamInfo(reply: unknown): StreamInfo | null {
  if (!Array.isArray(reply)) {
    return null;
  }
  const fields = new Map<string, unknown>();
  for (let i = 0; i + 1 < reply.length; i += 2) {
    fields.set(String(reply[i]), reply[i + 1]);
  }
  const last = fields.get('last-generated-id');
  const length = fields.get('length');
  const first = fields.get('first-entry');
  const added = fields.get('entries-added');
  if (typeof last !== 'string' || typeof length !== 'number') {
    return null;
  }
  return {
    lastGeneratedId: last,
    firstId: Array.isArray(first) && typeof first[0] === 'string' ? first[0] : null,
    length,
    entriesAdded: typeof added === 'number' ? added : null,
  };
}

/** XRANGE entries (`[id, [field, value, …]]`) as events; a malformed one is skipped. */
function toEvents(entries: unknown): StampedEvent[] {
  const events: StampedEvent[] = [];
  for (const entry of Array.isArray(entries) ? (entries as [string, string[]][]) : []) {
    const [id, fields] = entry;
    const index = fields.indexOf('event');
    const event = index >= 0 ? parseRealtimeEvent(fields[index + 1]) : null;
    if (event) {
      events.push({ id, event });
    }
  }
  return events;
}
