import { createHash } from 'node:crypto';

import { normaliseEmail } from '@app/auth';
import { AppConfig } from '@app/config';
import { Injectable } from '@nestjs/common';

import { RedisThrottle, ThrottleBucket } from '../http/redis-throttle';

/**
 * The accounts' abuse limits, counted in Redis (RedisThrottle, like the queue dashboard's):
 *
 * - Failed sign-ins: LOGIN_MAX_FAILURES_PER_ACCOUNT_IP per address and account and
 *   LOGIN_MAX_FAILURES_PER_IP per address over LOGIN_WINDOW_SECONDS, which stop one address
 *   guessing; LOGIN_MAX_FAILURES_PER_ACCOUNT over the short LOGIN_ACCOUNT_LOCK_SECONDS, which
 *   stops guessing spread over many addresses. Anyone can trip that last one for someone else's
 *   account, which is why it is short, why API keys and password reset keep working meanwhile,
 *   and why a reset clears it. Past a limit even the right password gets 429 until the window
 *   ends, so a guess answered 429 tells nothing.
 * - Requests that send mail (sign-up, re-send, reset): ACCOUNT_REQUESTS_MAX_PER_IP per address
 *   and ACCOUNT_MAILS_MAX_PER_EMAIL per e-mail address an hour, counted whether or not the
 *   address has an account, so the limit tells nothing either.
 *
 * E-mail addresses appear in keys only as a hash.
 */
@Injectable()
export class AccountThrottle {
  constructor(
    private readonly throttle: RedisThrottle,
    private readonly config: AppConfig,
  ) {}

  /** Seconds this sign-in must wait before it is even checked (0: go ahead). */
  loginWait(ip: string, email: string): Promise<number> {
    return this.throttle.waitFor(this.loginBuckets(ip, email));
  }

  /** Counts a failed sign-in; the seconds to wait when a limit is now passed, else 0. */
  loginFailed(ip: string, email: string): Promise<number> {
    return this.throttle.hit(this.loginBuckets(ip, email));
  }

  /** The right password from this address: its own count for the account starts again. */
  loginSucceeded(ip: string, email: string): Promise<void> {
    return this.throttle.clear([this.loginBuckets(ip, email)[0]]);
  }

  /** A password reset proved the owner reads the mail: the account-wide lock is lifted. */
  passwordReset(email: string): Promise<void> {
    return this.throttle.clear([this.loginBuckets('-', email)[2]]);
  }

  /** Counts a request that sends mail; the seconds to wait when a limit is now passed, else 0. */
  mailRequest(ip: string, email: string): Promise<number> {
    const { maxPerIp, maxMailsPerEmail, windowSeconds } = this.config.accounts.requestThrottle;
    return this.throttle.hit([
      { key: this.throttle.key('account-requests', 'ip', ip), limit: maxPerIp, windowSeconds },
      {
        key: this.throttle.key('account-mails', emailKey(email)),
        limit: maxMailsPerEmail,
        windowSeconds,
      },
    ]);
  }

  /** [address and account, address, account]: the order the methods above rely on. */
  private loginBuckets(ip: string, email: string): ThrottleBucket[] {
    const limits = this.config.accounts.loginThrottle;
    const account = emailKey(email);
    return [
      {
        key: this.throttle.key('login', 'ip-account', ip, account),
        limit: limits.maxFailuresPerAccountIp,
        windowSeconds: limits.windowSeconds,
      },
      {
        key: this.throttle.key('login', 'ip', ip),
        limit: limits.maxFailuresPerIp,
        windowSeconds: limits.windowSeconds,
      },
      {
        key: this.throttle.key('login', 'account', account),
        limit: limits.maxFailuresPerAccount,
        windowSeconds: limits.accountWindowSeconds,
      },
    ];
  }
}

function emailKey(email: string): string {
  return createHash('sha256').update(normaliseEmail(email)).digest('hex').slice(0, 32);
}
