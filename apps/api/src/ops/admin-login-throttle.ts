import { AppConfig } from '@app/config';
import { Injectable } from '@nestjs/common';

import { RedisThrottle, ThrottleBucket } from '../http/redis-throttle';

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
  constructor(
    private readonly throttle: RedisThrottle,
    private readonly config: AppConfig,
  ) {}

  /** Counts a failed login; returns the seconds to wait when a limit is now passed, else 0. */
  recordFailure(ip: string, kind: LoginKind): Promise<number> {
    return this.throttle.hit(this.buckets(ip, kind));
  }

  /** For a login that succeeded: the seconds to wait if a limit was reached before it, else 0. */
  lockedFor(ip: string, kind: LoginKind): Promise<number> {
    return this.throttle.waitFor(this.buckets(ip, kind));
  }

  private buckets(ip: string, kind: LoginKind): ThrottleBucket[] {
    const { maxFailuresPerIp, maxFailures, windowSeconds } = this.config.admin.loginThrottle;
    const perIp = {
      key: this.throttle.key('admin-login', 'ip', ip),
      limit: maxFailuresPerIp,
      windowSeconds,
    };
    return kind === 'password'
      ? [
          perIp,
          { key: this.throttle.key('admin-login', 'account'), limit: maxFailures, windowSeconds },
        ]
      : [perIp];
  }
}
