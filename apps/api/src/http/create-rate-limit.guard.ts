import { AppConfig } from '@app/config';
import type { User } from '@app/database';
import { REDIS, type RedisClient } from '@app/redis';
import {
  CanActivate,
  ExecutionContext,
  HttpException,
  Inject,
  Injectable,
  Logger,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import { sendRateLimit, sendRetryAfter } from './rate-limit-headers';

const WINDOW_SECONDS = 60;

/** Counts one create in the window's key, which expires after the window: one call to Redis. */
const COUNT_IN_WINDOW = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count`;

type CountingRedis = RedisClient & {
  countInWindow(key: string, ttlSeconds: number): Promise<number>;
};

/**
 * Limits creates per user per minute, counted in Redis so the limit holds across api instances
 * (a fixed window: simple, and good enough to stop a runaway script). If Redis cannot answer, the
 * request goes through: the create itself is what must not be lost.
 */
@Injectable()
export class CreateRateLimitGuard implements CanActivate {
  private readonly logger = new Logger('RateLimit');

  private readonly redis: CountingRedis;

  constructor(
    @Inject(REDIS) redis: RedisClient,
    private readonly config: AppConfig,
  ) {
    // A script rather than MULTI INCR EXPIRE: one command per create (sent as EVALSHA).
    redis.defineCommand('countInWindow', { numberOfKeys: 1, lua: COUNT_IN_WINDOW });
    this.redis = redis as CountingRedis;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const { user } = context.switchToHttp().getRequest<{ user?: User }>();
    if (!user) {
      return true;
    }
    const window = Math.floor(Date.now() / 1000 / WINDOW_SECONDS);
    const key = `${this.config.redis.prefix}:ratelimit:create:${user.id}:${window}`;
    let count: number;
    try {
      count = await this.redis.countInWindow(key, WINDOW_SECONDS * 2);
    } catch (error) {
      this.logger.warn(`rate limit not checked: ${(error as Error).message}`);
      return true;
    }
    const limit = this.config.rateLimit.createPerMinute;
    const resetSeconds = Math.max(1, (window + 1) * WINDOW_SECONDS - Math.floor(Date.now() / 1000));
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const policy = { quota: limit, windowSeconds: WINDOW_SECONDS };
    if (count > limit) {
      sendRetryAfter(reply, 'create', resetSeconds, policy);
      throw new HttpException(
        `Too many creates: at most ${limit} a minute. Retry after ${resetSeconds} seconds.`,
        429,
      );
    }
    // Every create says how many are left, so a client can pace itself before it is refused.
    sendRateLimit(reply, { policy: 'create', ...policy, remaining: limit - count, resetSeconds });
    return true;
  }
}
