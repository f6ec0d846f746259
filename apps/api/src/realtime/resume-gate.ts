import { type StampedEvent, compareEventIds } from '@app/notifications';

/**
 * Joins a reconnecting client's replay (events it missed, read from the user's stream) with the
 * live events, each event once and in order. The connection listens first and this gate holds
 * what arrives live while the replay is read; then `open` hands out the replay and the held
 * events, dropping any at or below the last id already handed out (a live event that was also in
 * the replay), and from then on `live` passes each newer event straight through.
 * Correct because the channel's order is the stream's order (one publish script, one subscriber
 * connection per process).
 */
export class ResumeGate {
  private held: StampedEvent[] | null = [];
  private last: string | null = null;

  /** A live event: what to send now (nothing while the replay is being read, or a repeat). */
  live(stamped: StampedEvent): StampedEvent[] {
    if (this.held) {
      this.held.push(stamped);
      return [];
    }
    return this.pass([stamped]);
  }

  /**
   * The replay is read: `seen` is the last id the client already has (null: none), `replayed`
   * the stream's events after it, oldest first. Returns what to send now, in order.
   */
  open(seen: string | null, replayed: StampedEvent[]): StampedEvent[] {
    this.last = seen;
    const held = this.held ?? [];
    this.held = null;
    return this.pass([...replayed, ...held]);
  }

  private pass(events: StampedEvent[]): StampedEvent[] {
    const out: StampedEvent[] = [];
    for (const stamped of events) {
      if (this.last === null || compareEventIds(stamped.id, this.last) > 0) {
        out.push(stamped);
        this.last = stamped.id;
      }
    }
    return out;
  }
}
