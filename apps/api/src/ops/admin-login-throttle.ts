import { AppConfig } from '@app/config';
import { REDIS } from '@app/redis';
import { Inject, Injectable } from '@nestjs/common';
import type IORedis from 'ioredis';

/**
 * Counts one failure in each key (KEYS[i], limit ARGV[i + 1]), each window starting at its first
 * failure (ARGV[1] seconds), and answers how long the caller must wait: 0 while every count is
 * within its limit. One round trip, atomic, so parallel guesses cannot slip past the count.
 */
const COUNT_FAILURE = `
local wait = 0
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  if count == 1 then redis.call('EXPIRE', key, ARGV[1]) end
  if count > tonumber(ARGV[i + 1]) then wait = math.max(wait, redis.call('TTL', key), 1) end
end
return wait`;

/** The same answer for a login that succeeded, without counting it: has a limit been reached? */
const LOCKED_FOR = `
local wait = 0
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') >= tonumber(ARGV[i]) then
    wait = math.max(wait, redis.call('TTL', key), 1)
  end
end
return wait`;

type ThrottleRedis = IORedis & {
  adminLoginFailure(...keysThenArgs: (string | number)[]): Promise<number>;
  adminLoginLockedFor(...keysThenArgs: (string | number)[]): Promise<number>;
};

/** Which credentials were tried: the password counts against the account too. */
export type LoginKind = 'password' | 'token';

/**
 * Throttles failed logins to the queue dashboard in Redis, so the limits hold across api
 * instances: ADMIN_LOGIN_MAX_FAILURES_PER_IP per client address, and ADMIN_LOGIN_MAX_FAILURES
 * password failures from all addresses together (rotating addresses buys nothing; an admin's API
 * token, which cannot be guessed, still gets in). Past a limit even the right credentials get 429
 * until the window ends, so a guess answered 429 says nothing about the password.
 */
@Injectable()
export class AdminLoginThrottle {
  private readonly redis: ThrottleRedis;

  constructor(
    @Inject(REDIS) redis: IORedis,
    private readonly config: AppConfig,
  ) {
    redis.defineCommand('adminLoginFailure', { lua: COUNT_FAILURE });
    redis.defineCommand('adminLoginLockedFor', { lua: LOCKED_FOR });
    this.redis = redis as ThrottleRedis;
  }

  /** Counts a failed login; returns the seconds to wait when a limit is now passed, else 0. */
  recordFailure(ip: string, kind: LoginKind): Promise<number> {
    const { keys, limits } = this.buckets(ip, kind);
    return this.redis.adminLoginFailure(
      keys.length,
      ...keys,
      this.config.admin.loginThrottle.windowSeconds,
      ...limits,
    );
  }

  /** For a login that succeeded: the seconds to wait if a limit was reached before it, else 0. */
  lockedFor(ip: string, kind: LoginKind): Promise<number> {
    const { keys, limits } = this.buckets(ip, kind);
    return this.redis.adminLoginLockedFor(keys.length, ...keys, ...limits);
  }

  private buckets(ip: string, kind: LoginKind): { keys: string[]; limits: number[] } {
    const prefix = `${this.config.redis.prefix}:admin-login`;
    const { maxFailuresPerIp, maxFailures } = this.config.admin.loginThrottle;
    return kind === 'password'
      ? {
          keys: [`${prefix}:ip:${ip}`, `${prefix}:account`],
          limits: [maxFailuresPerIp, maxFailures],
        }
      : { keys: [`${prefix}:ip:${ip}`], limits: [maxFailuresPerIp] };
  }
}
