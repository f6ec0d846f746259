import { readCreditsUpdatedEvent } from '@app/credits';
import { readInfographUpdatedEvent } from '@app/infographs';
import { RealtimeSubscriber, type StampedEvent, toClientMessage } from '@app/notifications';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';

import { EventHistory } from './event-history';
import { ResumeGate } from './resume-gate';

/** A message for one client, whatever the transport: an event, `hello` or `resync`. */
export type FeedMessage = Record<string, unknown> & { type: string };

/** One open connection's feed; `close` stops it (the transport calls it when the client goes). */
export interface Feed {
  close(): void;
}

interface OpenFeed {
  gate: ResumeGate;
  deliver: (message: FeedMessage) => void;
}

/**
 * The events each open connection of a user gets, WebSocket and SSE alike (one module, two
 * transports). A connection starts with `hello`, carrying the id it goes on from; a client that
 * gave the last id it saw first gets what it missed from the user's stream, or `resync` when that
 * is no longer kept; then live events. Each event once, in order, with its `id`.
 */
@Injectable()
export class EventFeeds implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Realtime');
  private readonly byUser = new Map<string, Set<OpenFeed>>();
  private stopListening?: () => void;

  constructor(
    private readonly subscriber: RealtimeSubscriber,
    private readonly history: EventHistory,
  ) {}

  onModuleInit(): void {
    this.stopListening = this.subscriber.onEvent((stamped) => {
      const feeds = this.byUser.get(stamped.event.userId);
      if (!feeds) {
        return;
      }
      const known = knownEvent(stamped);
      if (!known) {
        this.logger.warn(`ignored a realtime event this api does not know (${stamped.event.type})`);
        return;
      }
      for (const feed of feeds) {
        for (const next of feed.gate.live(known)) {
          feed.deliver(toClientMessage(next.event, next.id) as FeedMessage);
        }
      }
    });
  }

  onModuleDestroy(): void {
    this.stopListening?.();
  }

  /**
   * Starts a connection's feed: listens first, then reads what it missed, so no event falls
   * between the two. `hello` is the transport's greeting (its `id` is set here). Never throws:
   * with Redis unreachable the client is told to `resync` (if it asked to resume) and goes on live.
   */
  async open(
    userId: string,
    lastEventId: string | null,
    hello: FeedMessage,
    deliver: (message: FeedMessage) => void,
  ): Promise<Feed> {
    const feed: OpenFeed = { gate: new ResumeGate(), deliver };
    let feeds = this.byUser.get(userId);
    if (!feeds) {
      feeds = new Set();
      this.byUser.set(userId, feeds);
    }
    feeds.add(feed);
    const handle: Feed = { close: () => this.remove(userId, feed) };

    let start: string | null = lastEventId;
    let replayed: StampedEvent[] = [];
    let resync = false;
    try {
      const point = await this.history.resumeFrom(userId, lastEventId);
      if (point.kind === 'replay') {
        replayed = point.events.flatMap((stamped) => knownEvent(stamped) ?? []);
      } else {
        start = point.tail;
        resync = point.kind === 'resync';
      }
    } catch (error) {
      this.logger.warn(`realtime: could not read missed events: ${(error as Error).message}`);
      start = null;
      resync = lastEventId !== null;
    }
    deliver({ ...hello, id: start });
    if (resync) {
      deliver({ type: 'resync' });
    }
    for (const next of feed.gate.open(start, replayed)) {
      deliver(toClientMessage(next.event, next.id) as FeedMessage);
    }
    return handle;
  }

  /** Open feeds in this process (tests, diagnostics). */
  get size(): number {
    let count = 0;
    for (const feeds of this.byUser.values()) {
      count += feeds.size;
    }
    return count;
  }

  private remove(userId: string, feed: OpenFeed): void {
    const feeds = this.byUser.get(userId);
    feeds?.delete(feed);
    if (feeds?.size === 0) {
      this.byUser.delete(userId);
    }
  }
}

/** Only what this version knows how to show, with only the fields it knows. */
function knownEvent(stamped: StampedEvent): StampedEvent | null {
  const event = readInfographUpdatedEvent(stamped.event) ?? readCreditsUpdatedEvent(stamped.event);
  return event ? { id: stamped.id, event } : null;
}
