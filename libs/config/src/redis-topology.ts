/** One Redis or Sentinel address. */
export interface RedisAddress {
  host: string;
  port: number;
}

/**
 * How the apps reach Redis: one server at REDIS_URL, a primary found through Sentinel (which
 * follows failovers), or a Redis Cluster. REDIS_URL still carries the password, user, TLS and
 * database of the data servers in the Sentinel and Cluster cases; only its host is not used.
 */
export type RedisTopology =
  | { kind: 'single' }
  | { kind: 'sentinel'; sentinels: RedisAddress[]; masterName: string; sentinelPassword?: string }
  | { kind: 'cluster'; nodes: RedisAddress[] };

const ADDRESS = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/** `host:port,host:port` → addresses; null if any entry is malformed (or the list is empty). */
export function parseRedisAddresses(value: string): RedisAddress[] | null {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const addresses: RedisAddress[] = [];
  for (const entry of entries) {
    const match = ADDRESS.exec(entry);
    const port = match ? Number(match[2]) : 0;
    if (!match || port < 1 || port > 65535) {
      return null;
    }
    addresses.push({ host: match[1].replace(/^\[|\]$/g, ''), port });
  }
  return addresses.length > 0 ? addresses : null;
}

/**
 * On a cluster every key we write must hash to one slot: BullMQ's scripts touch many keys of a
 * queue at once, and so do our throttles. Redis hashes only the part of a key inside the first
 * `{…}`, so the prefix is wrapped in braces there. (Everything then lives on one shard: the
 * cluster buys failover, not write scaling, for this application.)
 */
export function keyPrefixFor(prefix: string, topology: RedisTopology): string {
  return topology.kind === 'cluster' ? `{${prefix}}` : prefix;
}
