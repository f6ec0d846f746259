import type { AppConfig } from '@app/config';
import IORedis, { RedisOptions } from 'ioredis';

/**
 * A Redis connection for one purpose. BullMQ workers need `maxRetriesPerRequest: null` (they block
 * on Redis and must keep retrying across restarts); request-path clients should fail fast instead,
 * so the api can answer 503 rather than hang.
 */
export function createRedisConnection(
  config: AppConfig,
  purpose: 'worker' | 'request',
  extra: RedisOptions = {},
): IORedis {
  const failFast: RedisOptions = {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2000,
    commandTimeout: 2000,
  };
  return new IORedis(config.redis.url, {
    connectionName: `ainfographic-${purpose}`,
    // Reconnect forever with a capped delay: Redis restarts must heal by themselves.
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...(purpose === 'worker' ? { maxRetriesPerRequest: null } : failFast),
    ...extra,
  });
}
