import { AppConfig } from '@app/config';
import { createRedisConnection, type RedisClient } from '@app/redis';
import { Injectable, OnApplicationShutdown } from '@nestjs/common';

import {
  RealtimeEvent,
  realtimeChannel,
  realtimeStreamKey,
  serializeRealtimeEvent,
} from './realtime-event';

/** A user's stream never holds more than about this many events, however busy the window. */
export const REPLAY_MAX_EVENTS = 1000;

/**
 * Keeps the event in the user's stream and publishes it with its id, in one step (a script runs
 * alone): so the channel's order is the stream's order, which lets a reconnecting client's replay
 * and the live events meet without a gap or a repeat. Trims by count (MAXLEN) and by age (MINID,
 * Redis' own clock), and lets an idle user's stream expire after the window.
 * KEYS[1] stream; ARGV: channel, event JSON, window ms, max events. Returns { id, receivers }.
 */
const PUBLISH_SCRIPT = `
local now = redis.call('TIME')
local minid = string.format('%.0f', tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - tonumber(ARGV[3]))
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], '*', 'event', ARGV[2])
redis.call('XTRIM', KEYS[1], 'MINID', '~', minid)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
local receivers = redis.call('PUBLISH', ARGV[1], '{"id":"' .. id .. '","event":' .. ARGV[2] .. '}')
return { id, receivers }
`;

/** What `publish` did: the event's id, and how many api processes heard it live. */
export interface PublishedEvent {
  id: string;
  receivers: number;
}

type ScriptRedis = RedisClient & {
  publishRealtimeEvent(
    stream: string,
    channel: string,
    event: string,
    windowMs: number,
    maxEvents: number,
  ): Promise<[string, number]>;
};

/**
 * Publishes events on the deployment's Redis channel, so every api instance (each holding some of
 * the user's sockets) can deliver them, and keeps each in the user's Redis Stream for
 * `EVENT_REPLAY_WINDOW_MS`, so a client that was away asks for what it missed by the last id it saw.
 */
@Injectable()
export class RealtimePublisher implements OnApplicationShutdown {
  private readonly redis: ScriptRedis;
  private readonly channel: string;

  constructor(private readonly config: AppConfig) {
    this.channel = realtimeChannel(config.redis.prefix);
    // Fail fast (a notify job retries) but queue while connecting, so a publish right after start
    // waits for the connection instead of failing; `commandTimeout` still bounds that wait.
    // Lazy: an app that never publishes (or is closed at once) opens no connection.
    const redis = createRedisConnection(config, 'request', {
      connectionName: 'ainfographic-realtime-publisher',
      enableOfflineQueue: true,
      lazyConnect: true,
      // Events of concurrent jobs leave in one write (only the script goes over this connection).
      enableAutoPipelining: true,
    });
    // EVALSHA with a fallback to EVAL: the script is sent once per connection.
    redis.defineCommand('publishRealtimeEvent', { numberOfKeys: 1, lua: PUBLISH_SCRIPT });
    this.redis = redis as ScriptRedis;
  }

  /** Resolves once the event is kept and published. Throws if Redis is down. */
  async publish(event: RealtimeEvent): Promise<PublishedEvent> {
    const [id, receivers] = await this.redis.publishRealtimeEvent(
      realtimeStreamKey(this.config.redis.prefix, event.userId),
      this.channel,
      serializeRealtimeEvent(event),
      this.config.realtime.replayWindowMs,
      REPLAY_MAX_EVENTS,
    );
    return { id, receivers };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.redis.status === 'wait') {
      // Never connected: QUIT would connect just to say goodbye.
      this.redis.disconnect();
      return;
    }
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
