import { loadConfig } from '@app/config';
import IORedis, { Cluster } from 'ioredis';

import { createRedisConnection } from './redis-connection';

/** Built with lazyConnect, so nothing here connects anywhere. */
describe('createRedisConnection', () => {
  const lazy = { lazyConnect: true };

  it('talks to REDIS_URL by default, failing fast on the request path', () => {
    const redis = createRedisConnection(loadConfig({}), 'request', lazy) as IORedis;
    expect(redis).toBeInstanceOf(IORedis);
    expect(redis.options).toMatchObject({
      host: '127.0.0.1',
      port: 6379,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
    });
  });

  it('asks the sentinels for the primary, and reconnects on READONLY (a demoted primary)', () => {
    const config = loadConfig({
      REDIS_URL: 'redis://:data-secret@ignored-host:6379',
      REDIS_SENTINELS: '10.0.0.1:26379,10.0.0.2:26379',
      REDIS_SENTINEL_NAME: 'cache',
      REDIS_SENTINEL_PASSWORD: 'sentinel-secret',
    });
    const redis = createRedisConnection(config, 'worker', lazy) as IORedis;
    expect(redis.options).toMatchObject({
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: '10.0.0.2', port: 26379 },
      ],
      name: 'cache',
      sentinelPassword: 'sentinel-secret',
      password: 'data-secret',
      maxRetriesPerRequest: null,
    });
    const reconnect = redis.options.reconnectOnError!;
    expect(reconnect(new Error("READONLY You can't write against a read only replica."))).toBe(2);
    expect(reconnect(new Error('ERR something else'))).toBe(false);
  });

  it('makes a Cluster client: client-wide options on it, the rest (and credentials) per node', () => {
    const config = loadConfig({
      REDIS_URL: 'rediss://app:s%40cret@ignored-host:6379',
      REDIS_CLUSTER_NODES: 'node-1:7000,node-2:7001',
    });
    const cluster = createRedisConnection(config, 'request', lazy) as Cluster;
    expect(cluster).toBeInstanceOf(Cluster);
    expect(cluster.options).toMatchObject({ enableOfflineQueue: false, lazyConnect: true });
    expect(cluster.options.redisOptions).toMatchObject({
      username: 'app',
      password: 's@cret',
      tls: {},
      maxRetriesPerRequest: 1,
      commandTimeout: 2000,
    });
    // BullMQ's workers look for this on the node options of a cluster.
    const worker = createRedisConnection(config, 'worker', lazy) as Cluster;
    expect(worker.options.redisOptions?.maxRetriesPerRequest).toBeNull();
  });
});
