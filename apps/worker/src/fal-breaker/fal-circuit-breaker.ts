import { AppConfig } from '@app/config';
import { FalAccountError, FalError, FalTransientError } from '@app/fal';
import { Metrics } from '@app/observability';
import { Inject, Injectable, Logger, OnModuleInit, Optional } from '@nestjs/common';

import { BreakerCause, BreakerRecord, BreakerStore } from './breaker-store';

/** For tests: the breaker's clock (Date.now otherwise). */
export const FAL_BREAKER_CLOCK = Symbol('FAL_BREAKER_CLOCK');

/** Longer than a submit may take (FalGateway bounds it to 30 s), so a live probe keeps its slot. */
const PROBE_LEASE_MS = 60_000;
/** How long, at most, a job waiting behind another's probe waits before it asks again. */
const PROBE_RECHECK_MS = 5_000;

/** fal must not be called now: wait `waitMs`, then ask again. */
export interface BreakerWait {
  kind: 'wait';
  waitMs: number;
  cause: BreakerCause;
  reason: string;
}

type Admission = { kind: 'closed' } | { kind: 'probe'; record: BreakerRecord } | BreakerWait;

/** The breaker as readiness shows it (`unknown` when Redis cannot be read). */
export type CircuitState =
  | { state: 'closed' }
  | {
      state: 'open' | 'half-open';
      cause: BreakerCause;
      reason: string;
      since: string;
      retry_at: string;
    }
  | { state: 'unknown'; error: string };

const CLOSED: Admission = { kind: 'closed' };

/**
 * Stops a fal account problem or outage from failing (and refunding) every user's infographs one
 * by one. Shared by every worker process through Redis (BreakerStore), it:
 *
 * - opens at once when fal refuses our account (401 wrong key, 403 locked, e.g. exhausted
 *   balance), or after FAL_BREAKER_FAILURES submits in a row within FAL_BREAKER_WINDOW_MS got no
 *   answer (5xx, timeouts, unreachable). An answer about the request itself (422) is fal working:
 *   it fails that infograph only, and counts as a success here;
 * - while open, lets no submit reach fal for FAL_BREAKER_COOLDOWN_MS (the caller holds its job);
 * - then half-open: one job, cluster-wide, probes with its own submit. Success closes the breaker;
 *   failure re-opens it with the cooldown doubled, up to FAL_BREAKER_MAX_COOLDOWN_MS.
 *
 * Account trouble never spends a job's attempt: it is no request's fault. A transient failure
 * still does, tripping or not, since it may be the request's own (an input fal chokes on); that
 * keeps such a request's attempts bounded even when it is the only traffic and so the only probe.
 *
 * If Redis cannot be read the breaker lets submits through (fails open): it cannot be shared
 * then, and each job's own retries still bound the damage.
 */
@Injectable()
export class FalCircuitBreaker implements OnModuleInit {
  private readonly logger = new Logger('FalBreaker');
  private readonly settings: AppConfig['falBreaker'];

  constructor(
    config: AppConfig,
    private readonly store: BreakerStore,
    private readonly metrics: Metrics,
    @Optional() @Inject(FAL_BREAKER_CLOCK) private readonly now: () => number = Date.now,
  ) {
    this.settings = config.falBreaker;
  }

  onModuleInit(): void {
    this.metrics.collectFalCircuit = async (gauge) => {
      const { state } = await this.state();
      if (state !== 'unknown') {
        gauge.set(state === 'closed' ? 0 : 1);
      }
    };
  }

  /**
   * Runs `operation` (a fal call) if the breaker allows it, and learns from how it went. Answers
   * `wait` without calling fal while open, and when fal refused our account; rethrows every other
   * failure for the job's usual handling.
   */
  async call<T>(operation: () => Promise<T>): Promise<{ kind: 'done'; value: T } | BreakerWait> {
    const admission = await this.admit();
    if (admission.kind === 'wait') {
      return admission;
    }
    let value: T;
    try {
      value = await operation();
    } catch (error) {
      const wait = await this.afterFailure(error, admission);
      if (wait && error instanceof FalAccountError) {
        return wait;
      }
      throw error;
    }
    await this.afterAnswer(admission);
    return { kind: 'done', value };
  }

  async state(): Promise<CircuitState> {
    try {
      const record = await this.store.read();
      if (!record) {
        return { state: 'closed' };
      }
      return {
        state: this.now() < record.retryAt ? 'open' : 'half-open',
        cause: record.cause,
        reason: record.reason,
        since: new Date(record.openedAt).toISOString(),
        retry_at: new Date(record.retryAt).toISOString(),
      };
    } catch (error) {
      return { state: 'unknown', error: (error as Error).message };
    }
  }

  private async admit(): Promise<Admission> {
    let record: BreakerRecord | null;
    try {
      record = await this.store.read();
      if (!record) {
        return CLOSED;
      }
      const now = this.now();
      if (now < record.retryAt || !(await this.store.takeProbe(PROBE_LEASE_MS))) {
        return this.waitFor(record, now);
      }
      return { kind: 'probe', record };
    } catch (error) {
      this.storeDown(error);
      return CLOSED;
    }
  }

  /** fal answered (accepted, or refused the input itself): it is up and takes our key. */
  private async afterAnswer(admission: Admission): Promise<void> {
    try {
      if (admission.kind === 'probe') {
        await this.close(admission.record);
      } else {
        await this.store.resetFailures();
      }
    } catch (error) {
      this.storeDown(error);
    }
  }

  /** The wait the breaker now imposes, or null when it stays closed. */
  private async afterFailure(error: unknown, admission: Admission): Promise<BreakerWait | null> {
    try {
      if (error instanceof FalAccountError) {
        const cause = error.status === 403 ? 'locked' : 'unauthorized';
        return admission.kind === 'probe'
          ? await this.reopen(admission.record, cause, error.message)
          : await this.trip(cause, error.message);
      }
      if (error instanceof FalTransientError) {
        if (admission.kind === 'probe') {
          return await this.reopen(admission.record, 'unavailable', error.message);
        }
        const failures = await this.store.countFailure(this.settings.windowMs);
        return failures >= this.settings.failures
          ? await this.trip('unavailable', `${failures} submits in a row failed: ${error.message}`)
          : null;
      }
      if (error instanceof FalError) {
        await this.afterAnswer(admission);
      } else if (admission.kind === 'probe') {
        // Not fal's answer (a bug, a crash of our own): let another job probe.
        await this.store.releaseProbe();
      }
      return null;
    } catch (storeError) {
      this.storeDown(storeError);
      return null;
    }
  }

  /** closed → open. Of several workers tripping at once, one writes (and logs and counts) it. */
  private async trip(cause: BreakerCause, reason: string): Promise<BreakerWait | null> {
    const now = this.now();
    const record = { cause, reason, openedAt: now, retryAt: now + this.cooldown(1), openings: 1 };
    if (await this.store.write(record, this.ttl(record, now), true)) {
      await this.store.resetFailures();
      this.metrics.falCircuitTrips.inc({ cause });
      this.logger.error(
        `fal circuit opened (${cause}): ${reason}; submits pause for ${seconds(record.retryAt - now)}, infographs stay pending`,
      );
      return this.waitFor(record, now);
    }
    const current = await this.store.read();
    return current ? this.waitFor(current, now) : null;
  }

  /** half-open → open again after a failed probe, for longer. */
  private async reopen(
    previous: BreakerRecord,
    cause: BreakerCause,
    reason: string,
  ): Promise<BreakerWait> {
    const now = this.now();
    const openings = previous.openings + 1;
    const record = {
      cause,
      reason,
      openedAt: previous.openedAt,
      retryAt: now + this.cooldown(openings),
      openings,
    };
    await this.store.write(record, this.ttl(record, now), false);
    await this.store.releaseProbe();
    this.logger.warn(
      `fal circuit stays open (${cause}), the probe failed: ${reason}; next probe in ${seconds(record.retryAt - now)}`,
    );
    return this.waitFor(record, now);
  }

  /** half-open → closed after a probe fal answered. */
  private async close(record: BreakerRecord): Promise<void> {
    await this.store.clear();
    this.logger.log(
      `fal circuit closed: fal answered the probe after ${seconds(this.now() - record.openedAt)} open (${record.cause}); submits resume`,
    );
  }

  private waitFor(record: BreakerRecord, now: number): BreakerWait {
    const waitMs =
      now < record.retryAt
        ? record.retryAt - now
        : Math.min(this.settings.cooldownMs, PROBE_RECHECK_MS);
    return { kind: 'wait', waitMs, cause: record.cause, reason: record.reason };
  }

  private cooldown(openings: number): number {
    return Math.min(this.settings.cooldownMs * 2 ** (openings - 1), this.settings.maxCooldownMs);
  }

  /**
   * Past `retryAt` the record stays (half-open, remembering how many openings) long enough for a
   * probe, then expires: an idle cluster, or one whose workers all died, ends up closed.
   */
  private ttl(record: BreakerRecord, now: number): number {
    return record.retryAt - now + this.settings.maxCooldownMs;
  }

  private storeDown(error: unknown): void {
    this.logger.warn(
      `fal circuit state unreadable, letting submits through: ${(error as Error).message}`,
    );
  }
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
