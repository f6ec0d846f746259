/** Why the breaker opened: fal refused our key (401), locked our account (403), or did not answer. */
export type BreakerCause = 'unauthorized' | 'locked' | 'unavailable';

/** An open (or, past `retryAt`, half-open) breaker, as every worker process reads it. */
export interface BreakerRecord {
  cause: BreakerCause;
  /** The error that opened it (or re-opened it after a failed probe), for logs and readiness. */
  reason: string;
  /** When this outage began (kept across re-openings). */
  openedAt: number;
  /** When a probe submit may be tried. */
  retryAt: number;
  /** Openings in a row, 1 for the first: the cooldown doubles with each. */
  openings: number;
}

/**
 * Where the breaker's state lives, shared by every worker process. Every entry expires by itself,
 * so no crashed worker can leave the breaker open (or a probe slot taken) forever. An abstract
 * class, so it is both the contract and the injection token.
 */
export abstract class BreakerStore {
  /** The open breaker, or null when it is closed. */
  abstract read(): Promise<BreakerRecord | null>;

  /**
   * Stores the record, expiring after `ttlMs`. With `onlyIfClosed`, only when no record exists: the
   * closed → open transition, which exactly one of several racing workers wins. Whether it stored.
   */
  abstract write(record: BreakerRecord, ttlMs: number, onlyIfClosed: boolean): Promise<boolean>;

  /** Takes the one probe slot for `leaseMs`; false when another process holds it. */
  abstract takeProbe(leaseMs: number): Promise<boolean>;

  abstract releaseProbe(): Promise<void>;

  /** Counts one failure; the count restarts `windowMs` after its first. Returns the count. */
  abstract countFailure(windowMs: number): Promise<number>;

  abstract resetFailures(): Promise<void>;

  /** Closes: the record, the probe slot and the failure count, at once. */
  abstract clear(): Promise<void>;
}
