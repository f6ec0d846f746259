import { AppConfig } from '@app/config';
import { createRedisConnection } from '@app/redis';
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type IORedis from 'ioredis';

import { RealtimeEvent, realtimeChannel, serializeRealtimeEvent } from './realtime-event';

/**
 * Publishes events on the deployment's Redis channel, so every api instance (each holding some of
 * the user's sockets) can deliver them. Pub/sub keeps nothing: an event published while no api is
 * subscribed is gone, which is fine because clients re-read the status when they (re)connect.
 */
@Injectable()
export class RealtimePublisher implements OnApplicationShutdown {
  private readonly redis: IORedis;
  private readonly channel: string;

  constructor(config: AppConfig) {
    this.channel = realtimeChannel(config.redis.prefix);
    // Fail fast (a notify job retries) but queue while connecting, so a publish right after start
    // waits for the connection instead of failing; `commandTimeout` still bounds that wait.
    // Lazy: an app that never publishes (or is closed at once) opens no connection.
    this.redis = createRedisConnection(config, 'request', {
      connectionName: 'ainfographic-realtime-publisher',
      enableOfflineQueue: true,
      lazyConnect: true,
      // Events of concurrent jobs leave in one write (only PUBLISH goes over this connection).
      enableAutoPipelining: true,
    });
  }

  /** Resolves with the number of api processes that received the event. Throws if Redis is down. */
  publish(event: RealtimeEvent): Promise<number> {
    return this.redis.publish(this.channel, serializeRealtimeEvent(event));
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
