import type { AppConfig, RedisAddress } from '@app/config';
import IORedis, { Cluster, RedisOptions } from 'ioredis';

/** A client of the configured Redis: one server (directly or through Sentinel) or a cluster. */
export type RedisClient = IORedis | Cluster;

/** Reconnect forever with a capped delay: Redis restarts and failovers must heal by themselves. */
const retryDelay = (times: number): number => Math.min(times * 200, 2000);

/**
 * After a failover the old primary comes back as a replica: a connection still talking to it gets
 * READONLY on every write. Reconnecting (2: and resending the command) finds the new primary.
 */
const reconnectOnReadonly = (error: Error): 2 | false =>
  error.message.startsWith('READONLY') ? 2 : false;

/**
 * A Redis connection for one purpose. BullMQ workers need `maxRetriesPerRequest: null` (they block
 * on Redis and must keep retrying across restarts); request-path clients should fail fast instead,
 * so the api can answer 503 rather than hang.
 *
 * Where Redis is comes from `config.redis.topology`: REDIS_URL itself, the primary named by
 * Sentinel (followed across failovers), or a Redis Cluster (REDIS_URL then gives only the
 * credentials and TLS).
 */
export function createRedisConnection(
  config: AppConfig,
  purpose: 'worker' | 'request',
  extra: RedisOptions = {},
): RedisClient {
  const failFast: RedisOptions = {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2000,
    commandTimeout: 2000,
  };
  const options: RedisOptions = {
    connectionName: `ainfographic-${purpose}`,
    retryStrategy: retryDelay,
    reconnectOnError: reconnectOnReadonly,
    ...(purpose === 'worker' ? { maxRetriesPerRequest: null } : failFast),
    ...extra,
  };
  const { url, topology } = config.redis;
  switch (topology.kind) {
    case 'single':
      return new IORedis(url, options);
    case 'sentinel':
      return new IORedis(url, {
        ...options,
        sentinels: topology.sentinels,
        name: topology.masterName,
        sentinelPassword: topology.sentinelPassword,
        // Told by the sentinels' +switch-master, the connection moves at once instead of waiting
        // for its primary's socket to die.
        failoverDetector: true,
      });
    case 'cluster':
      return createClusterConnection(url, topology.nodes, options);
  }
}

/**
 * A cluster client. The options that describe the client as a whole (offline queue, lazy connect,
 * auto-pipelining) belong to the Cluster; the rest apply to each node connection, where BullMQ
 * also looks for `maxRetriesPerRequest: null`.
 */
function createClusterConnection(
  url: string,
  nodes: RedisAddress[],
  options: RedisOptions,
): Cluster {
  const { enableOfflineQueue, lazyConnect, enableAutoPipelining, ...nodeOptions } = options;
  const parsed = new URL(url);
  return new Cluster(nodes, {
    enableOfflineQueue,
    lazyConnect,
    enableAutoPipelining,
    clusterRetryStrategy: retryDelay,
    redisOptions: {
      ...nodeOptions,
      username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
      password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
      tls: parsed.protocol === 'rediss:' ? {} : undefined,
    },
  });
}
