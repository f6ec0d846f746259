import { ConfigError, loadConfig } from './load-config';
import { parseRedisAddresses } from './redis-topology';

describe('Redis topology settings', () => {
  it('is one server at REDIS_URL by default, keys under QUEUE_PREFIX as given', () => {
    const config = loadConfig({ QUEUE_PREFIX: 'prod' });
    expect(config.redis).toEqual({
      url: 'redis://127.0.0.1:6379',
      prefix: 'prod',
      topology: { kind: 'single' },
    });
  });

  it('finds the primary through sentinels (name and password), the prefix unchanged', () => {
    const config = loadConfig({
      REDIS_SENTINELS: 'sentinel-a:26379, 10.0.0.2:26380,[::1]:26381',
      REDIS_SENTINEL_NAME: 'cache-primary',
      REDIS_SENTINEL_PASSWORD: 'sentinel-secret',
    });
    expect(config.redis.prefix).toBe('ainfographic');
    expect(config.redis.topology).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 'sentinel-a', port: 26379 },
        { host: '10.0.0.2', port: 26380 },
        { host: '::1', port: 26381 },
      ],
      masterName: 'cache-primary',
      sentinelPassword: 'sentinel-secret',
    });
    expect(loadConfig({ REDIS_SENTINELS: 'a:1' }).redis.topology).toMatchObject({
      masterName: 'mymaster',
      sentinelPassword: undefined,
    });
  });

  it('hash-tags the prefix on a cluster, so every key (BullMQ’s too) hashes to one slot', () => {
    const config = loadConfig({
      REDIS_CLUSTER_NODES: 'node-1:7000,node-2:7001',
      QUEUE_PREFIX: 'x',
    });
    expect(config.redis.prefix).toBe('{x}');
    expect(config.redis.topology).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'node-1', port: 7000 },
        { host: 'node-2', port: 7001 },
      ],
    });
  });

  it('refuses malformed address lists and both topologies at once, naming the setting', () => {
    const problems = (env: Record<string, string>): string[] => {
      try {
        loadConfig(env);
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    };
    expect(problems({ REDIS_SENTINELS: 'sentinel-a' })).toEqual([
      'REDIS_SENTINELS="sentinel-a": REDIS_SENTINELS must be a comma-separated list of host:port',
    ]);
    expect(problems({ REDIS_CLUSTER_NODES: 'a:70000' })[0]).toMatch(/^REDIS_CLUSTER_NODES=/);
    expect(problems({ REDIS_SENTINEL_NAME: 'my master' })[0]).toMatch(/^REDIS_SENTINEL_NAME=/);
    expect(problems({ REDIS_SENTINELS: 'a:1', REDIS_CLUSTER_NODES: 'b:2' })).toEqual([
      expect.stringMatching(/REDIS_SENTINELS and REDIS_CLUSTER_NODES are both set/),
    ]);
  });

  it('parses host:port lists, ignoring blanks', () => {
    expect(parseRedisAddresses(' a:1 ,, b.example:65535 ')).toEqual([
      { host: 'a', port: 1 },
      { host: 'b.example', port: 65535 },
    ]);
    expect(parseRedisAddresses('')).toBeNull();
    expect(parseRedisAddresses('a:0')).toBeNull();
    expect(parseRedisAddresses('a:1,b')).toBeNull();
  });
});
