import { AppConfig } from '@app/config';
import { createRedisConnection, type RedisClient } from '@app/redis';
import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';

import { StampedEvent, parsePublishedEvent, realtimeChannel } from './realtime-event';

/** Receives each event with its id (the stream id a reconnecting client resumes from). */
export type RealtimeListener = (stamped: StampedEvent) => void;

/**
 * One SUBSCRIBE connection per process, opened on first `start()` (so an app that only injects
 * the module, like the worker, holds no idle subscriber). ioredis reconnects forever and
 * re-subscribes by itself (`autoResubscribe`), so a Redis restart heals without help; events
 * published while the connection was down are not heard live (a client that reconnects gets them
 * from the user's stream, see `EventHistory` in the api).
 */
@Injectable()
export class RealtimeSubscriber implements OnApplicationShutdown {
  private readonly logger = new Logger(RealtimeSubscriber.name);
  private readonly listeners = new Set<RealtimeListener>();
  private readonly channel: string;
  private redis?: RedisClient;
  private subscribed?: Promise<void>;

  constructor(private readonly config: AppConfig) {
    this.channel = realtimeChannel(config.redis.prefix);
  }

  /** Adds a listener; returns the function that removes it. */
  onEvent(listener: RealtimeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Subscribes (once). Resolves when Redis has confirmed the subscription; while Redis is
   * unreachable it stays pending and the SUBSCRIBE is sent as soon as Redis answers.
   */
  start(): Promise<void> {
    if (!this.subscribed) {
      // 'worker' settings: never give up on a command, so the queued SUBSCRIBE survives an outage.
      const redis = createRedisConnection(this.config, 'worker', {
        connectionName: 'ainfographic-realtime-subscriber',
      });
      redis.on('message', (channel: string, message: string) => this.dispatch(channel, message));
      // Without a listener ioredis prints every reconnect error as unhandled.
      redis.on('error', (error: Error) =>
        this.logger.warn(`realtime subscriber: Redis error: ${error.message}`),
      );
      this.redis = redis;
      this.subscribed = redis.subscribe(this.channel).then(() => undefined);
    }
    return this.subscribed;
  }

  async onApplicationShutdown(): Promise<void> {
    this.listeners.clear();
    // QUIT would wait in the offline queue forever while Redis is down.
    if (this.redis?.status === 'ready') {
      await this.redis.quit().catch(() => this.redis?.disconnect());
    } else {
      this.redis?.disconnect();
    }
  }

  private dispatch(channel: string, message: string): void {
    if (channel !== this.channel) {
      return;
    }
    const event = parsePublishedEvent(message);
    if (!event) {
      this.logger.warn(`realtime subscriber: ignored a malformed message on ${channel}`);
      return;
    }
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        // One faulty listener must not starve the others of the event.
        this.logger.error(
          `realtime listener failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  }
}
