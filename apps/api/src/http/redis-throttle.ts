import { AppConfig } from '@app/config';
import { REDIS, type RedisClient } from '@app/redis';
import { Inject, Injectable } from '@nestjs/common';

/**
 * Counts one event in each key (KEYS[i]; limit ARGV[2i-1], window ARGV[2i] seconds, each window
 * starting at its key's first event) and answers how long the caller must wait: 0 while every
 * count is within its limit. One round trip, atomic, so parallel attempts cannot slip past.
 */
const HIT = `
local wait = 0
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  if count == 1 then redis.call('EXPIRE', key, ARGV[2 * i]) end
  if count > tonumber(ARGV[2 * i - 1]) then wait = math.max(wait, redis.call('TTL', key), 1) end
end
return wait`;

/** The same answer without counting (a login that succeeded): has a limit been reached? */
const WAIT = `
local wait = 0
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') >= tonumber(ARGV[2 * i - 1]) then
    wait = math.max(wait, redis.call('TTL', key), 1)
  end
end
return wait`;

type ThrottleRedis = RedisClient & {
  throttleHit(...keysThenArgs: (string | number)[]): Promise<number>;
  throttleWait(...keysThenArgs: (string | number)[]): Promise<number>;
};

/** One counter: at most `limit` events per `windowSeconds`, counted from the first. */
export interface ThrottleBucket {
  key: string;
  limit: number;
  windowSeconds: number;
}

/**
 * Fixed-window counters in the shared Redis, so limits hold across api instances: the queue
 * dashboard's failed logins (AdminLoginThrottle) and the accounts' sign-ins, sign-ups and mails
 * (AccountThrottle) each describe their buckets and leave the counting to this. Errors (Redis
 * down) are thrown: each caller decides whether to fail open or closed.
 */
@Injectable()
export class RedisThrottle {
  private readonly redis: ThrottleRedis;

  constructor(
    @Inject(REDIS) redis: RedisClient,
    private readonly config: AppConfig,
  ) {
    redis.defineCommand('throttleHit', { lua: HIT });
    redis.defineCommand('throttleWait', { lua: WAIT });
    this.redis = redis as ThrottleRedis;
  }

  /** A key under the deployment's prefix, e.g. `key('admin-login', 'ip', ip)`. */
  key(...parts: string[]): string {
    return [this.config.redis.prefix, ...parts].join(':');
  }

  /** Counts one event in every bucket; the seconds to wait when one is now past its limit, else 0. */
  hit(buckets: ThrottleBucket[]): Promise<number> {
    return this.redis.throttleHit(buckets.length, ...keysThenArgs(buckets));
  }

  /** Without counting: the seconds to wait if a bucket has reached its limit, else 0. */
  waitFor(buckets: ThrottleBucket[]): Promise<number> {
    return this.redis.throttleWait(buckets.length, ...keysThenArgs(buckets));
  }

  /** Forgets these counts (a success that vouches for the caller). */
  async clear(buckets: ThrottleBucket[]): Promise<void> {
    if (buckets.length > 0) {
      await this.redis.del(...buckets.map((bucket) => bucket.key));
    }
  }
}

function keysThenArgs(buckets: ThrottleBucket[]): (string | number)[] {
  return [
    ...buckets.map((bucket) => bucket.key),
    ...buckets.flatMap((bucket) => [bucket.limit, bucket.windowSeconds]),
  ];
}
