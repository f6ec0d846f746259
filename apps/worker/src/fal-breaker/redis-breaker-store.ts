import { AppConfig } from '@app/config';
import { REDIS, type RedisClient } from '@app/redis';
import { Inject, Injectable } from '@nestjs/common';

import { BreakerRecord, BreakerStore } from './breaker-store';

/** INCR, and start the window on the first failure only (atomic, so no count lives forever). */
const COUNT_IN_WINDOW = `local n = redis.call('incr', KEYS[1])
if n == 1 then redis.call('pexpire', KEYS[1], ARGV[1]) end
return n`;

/**
 * The breaker's state in Redis under `QUEUE_PREFIX`, on the shared fail-fast client: a JSON record
 * while open, a probe slot (`SET NX PX`) and a failure counter, each with an expiry.
 */
@Injectable()
export class RedisBreakerStore extends BreakerStore {
  private readonly key: string;
  private readonly probeKey: string;
  private readonly failuresKey: string;

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    config: AppConfig,
  ) {
    super();
    this.key = `${config.redis.prefix}:fal-breaker`;
    this.probeKey = `${this.key}:probe`;
    this.failuresKey = `${this.key}:failures`;
  }

  async read(): Promise<BreakerRecord | null> {
    const raw = await this.redis.get(this.key);
    return raw ? (JSON.parse(raw) as BreakerRecord) : null;
  }

  async write(record: BreakerRecord, ttlMs: number, onlyIfClosed: boolean): Promise<boolean> {
    const json = JSON.stringify(record);
    const ttl = Math.max(1, Math.ceil(ttlMs));
    const answer = onlyIfClosed
      ? await this.redis.set(this.key, json, 'PX', ttl, 'NX')
      : await this.redis.set(this.key, json, 'PX', ttl);
    return answer === 'OK';
  }

  async takeProbe(leaseMs: number): Promise<boolean> {
    return (await this.redis.set(this.probeKey, '1', 'PX', Math.ceil(leaseMs), 'NX')) === 'OK';
  }

  async releaseProbe(): Promise<void> {
    await this.redis.del(this.probeKey);
  }

  async countFailure(windowMs: number): Promise<number> {
    return Number(await this.redis.eval(COUNT_IN_WINDOW, 1, this.failuresKey, Math.ceil(windowMs)));
  }

  async resetFailures(): Promise<void> {
    await this.redis.del(this.failuresKey);
  }

  async clear(): Promise<void> {
    await this.redis.del(this.key, this.probeKey, this.failuresKey);
  }
}
