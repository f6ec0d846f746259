import { loadConfig } from '@app/config';
import { FalAccountError, FalPermanentError, FalTransientError } from '@app/fal';
import { Metrics } from '@app/observability';
import { Logger } from '@nestjs/common';

import { BreakerRecord, BreakerStore } from './breaker-store';
import { FalCircuitBreaker } from './fal-circuit-breaker';

/** Redis stubbed as a map whose entries expire on the test's clock (the boundary, not our code). */
class MemoryBreakerStore extends BreakerStore {
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();
  failReads = false;

  constructor(private readonly clock: { now: number }) {
    super();
  }

  private get(key: string): string | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= this.clock.now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry?.value;
  }

  private set(key: string, value: string, ttlMs: number): void {
    this.entries.set(key, { value, expiresAt: this.clock.now + ttlMs });
  }

  read(): Promise<BreakerRecord | null> {
    if (this.failReads) {
      return Promise.reject(new Error('Connection is closed.'));
    }
    const raw = this.get('record');
    return Promise.resolve(raw ? (JSON.parse(raw) as BreakerRecord) : null);
  }

  write(record: BreakerRecord, ttlMs: number, onlyIfClosed: boolean): Promise<boolean> {
    if (onlyIfClosed && this.get('record') !== undefined) {
      return Promise.resolve(false);
    }
    this.set('record', JSON.stringify(record), ttlMs);
    return Promise.resolve(true);
  }

  takeProbe(leaseMs: number): Promise<boolean> {
    if (this.get('probe') !== undefined) {
      return Promise.resolve(false);
    }
    this.set('probe', '1', leaseMs);
    return Promise.resolve(true);
  }

  releaseProbe(): Promise<void> {
    this.entries.delete('probe');
    return Promise.resolve();
  }

  countFailure(windowMs: number): Promise<number> {
    const count = Number(this.get('failures') ?? 0) + 1;
    const expiresAt =
      count === 1 ? this.clock.now + windowMs : this.entries.get('failures')!.expiresAt;
    this.entries.set('failures', { value: String(count), expiresAt });
    return Promise.resolve(count);
  }

  resetFailures(): Promise<void> {
    this.entries.delete('failures');
    return Promise.resolve();
  }

  clear(): Promise<void> {
    this.entries.clear();
    return Promise.resolve();
  }
}

const locked = () =>
  new FalAccountError(
    'fal answered 403 to submit: User is locked. Reason: Exhausted balance. Top up your balance at fal.ai/dashboard/billing.',
    403,
  );
const badKey = () =>
  new FalAccountError('fal answered 401 to submit: No user found for Key ID and Secret', 401);
const down = () => new FalTransientError('fal answered 503 to submit', 503);
const rejected = () => new FalPermanentError('fal rejected the input: prompt: too long', 422);

describe('FalCircuitBreaker', () => {
  let clock: { now: number };
  let store: MemoryBreakerStore;
  let metrics: Metrics;
  let breaker: FalCircuitBreaker;
  let falCalls: number;

  const settings = {
    FAL_BREAKER_FAILURES: '3',
    FAL_BREAKER_WINDOW_MS: '10000',
    FAL_BREAKER_COOLDOWN_MS: '1000',
    FAL_BREAKER_MAX_COOLDOWN_MS: '3000',
  };

  /** Another worker process: its own breaker object, the same shared store. */
  const aWorker = () =>
    new FalCircuitBreaker(loadConfig(settings), store, metrics, () => clock.now);

  /** One submit through the breaker: what fal answers (an error to throw, or a request id). */
  const submit = (through: FalCircuitBreaker, answer: Error | string = 'req-1') =>
    through.call(() => {
      falCalls += 1;
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    });

  const gauge = async () => {
    const metric = await metrics.registry.getSingleMetric('ainfographic_fal_circuit_open')!.get();
    return metric.values[0]?.value;
  };
  const trips = async (cause: string) => {
    const metric = await metrics.registry
      .getSingleMetric('ainfographic_fal_circuit_trips_total')!
      .get();
    return metric.values.find((v) => v.labels.cause === cause)?.value ?? 0;
  };

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    clock = { now: Date.UTC(2026, 0, 1) };
    store = new MemoryBreakerStore(clock);
    metrics = new Metrics();
    breaker = aWorker();
    breaker.onModuleInit();
    falCalls = 0;
  });

  it('lets submits through while closed', async () => {
    expect(await submit(breaker)).toEqual({ kind: 'done', value: 'req-1' });
    expect(await breaker.state()).toEqual({ state: 'closed' });
    expect(await gauge()).toBe(0);
  });

  it.each([
    ['a locked account (403)', locked, 'locked'],
    ['a wrong key (401)', badKey, 'unauthorized'],
  ])(
    'opens at once on %s, and holds that job without spending its attempt',
    async (_name, error, cause) => {
      expect(await submit(breaker, error())).toEqual({
        kind: 'wait',
        waitMs: 1000,
        cause,
        reason: error().message,
      });
      expect(await breaker.state()).toMatchObject({ state: 'open', cause });
      expect(await gauge()).toBe(1);
      expect(await trips(cause)).toBe(1);
    },
  );

  it('calls fal no more while open, and tells each job how long to wait', async () => {
    await submit(breaker, locked());
    clock.now += 400;
    const calls = falCalls;
    expect(await submit(breaker)).toMatchObject({ kind: 'wait', waitMs: 600, cause: 'locked' });
    expect(await submit(aWorker())).toMatchObject({ kind: 'wait', waitMs: 600 });
    expect(falCalls).toBe(calls);
  });

  it('does not open on a request fal rejects (422): that fails the one infograph', async () => {
    for (let i = 0; i < 5; i += 1) {
      await expect(submit(breaker, rejected())).rejects.toBeInstanceOf(FalPermanentError);
    }
    expect(await breaker.state()).toEqual({ state: 'closed' });
  });

  it('opens after FAL_BREAKER_FAILURES unanswered submits in a row, each rethrown (an attempt spent)', async () => {
    await expect(submit(breaker, down())).rejects.toBeInstanceOf(FalTransientError);
    await expect(submit(aWorker(), down())).rejects.toBeInstanceOf(FalTransientError);
    expect(await breaker.state()).toEqual({ state: 'closed' });
    await expect(submit(breaker, down())).rejects.toBeInstanceOf(FalTransientError);
    expect(await breaker.state()).toMatchObject({
      state: 'open',
      cause: 'unavailable',
      reason: '3 submits in a row failed: fal answered 503 to submit',
    });
    expect(await trips('unavailable')).toBe(1);
    expect(await submit(breaker)).toMatchObject({ kind: 'wait', cause: 'unavailable' });
  });

  it('counts only failures in a row: an answer (even a 422) starts the count again', async () => {
    await expect(submit(breaker, down())).rejects.toThrow();
    await expect(submit(breaker, down())).rejects.toThrow();
    await expect(submit(breaker, rejected())).rejects.toThrow();
    await expect(submit(breaker, down())).rejects.toThrow();
    await expect(submit(breaker, down())).rejects.toThrow();
    await submit(breaker);
    await expect(submit(breaker, down())).rejects.toThrow();
    await expect(submit(breaker, down())).rejects.toThrow();
    expect(await breaker.state()).toEqual({ state: 'closed' });
  });

  it('counts only failures within the window', async () => {
    await expect(submit(breaker, down())).rejects.toThrow();
    await expect(submit(breaker, down())).rejects.toThrow();
    clock.now += 10_000;
    await expect(submit(breaker, down())).rejects.toThrow();
    expect(await breaker.state()).toEqual({ state: 'closed' });
  });

  it('after the cooldown lets exactly one job, cluster-wide, probe fal', async () => {
    await submit(breaker, locked());
    clock.now += 1000;
    expect(await breaker.state()).toMatchObject({ state: 'half-open' });
    let release!: () => void;
    const probe = breaker.call(async () => {
      falCalls += 1;
      await new Promise<void>((resolve) => (release = resolve));
      return 'req-probe';
    });
    await new Promise(setImmediate);
    // While the probe is out, the others wait a short while (no longer than the cooldown).
    expect(await submit(aWorker())).toMatchObject({ kind: 'wait', waitMs: 1000 });
    expect(falCalls).toBe(2);
    release();
    expect(await probe).toEqual({ kind: 'done', value: 'req-probe' });
    expect(await breaker.state()).toEqual({ state: 'closed' });
    expect(await gauge()).toBe(0);
    expect(await submit(aWorker())).toEqual({ kind: 'done', value: 'req-1' });
  });

  it('a probe fal answers with a 422 closes it too: fal is up and takes our key', async () => {
    await submit(breaker, badKey());
    clock.now += 1000;
    await expect(submit(breaker, rejected())).rejects.toBeInstanceOf(FalPermanentError);
    expect(await breaker.state()).toEqual({ state: 'closed' });
  });

  it('a failed probe opens it again for twice as long, up to the maximum', async () => {
    let wait = await submit(breaker, locked());
    const cooldowns: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      clock.now += wait.kind === 'wait' ? wait.waitMs : 0;
      wait = await submit(breaker, locked());
      cooldowns.push(wait.kind === 'wait' ? wait.waitMs : -1);
    }
    expect(cooldowns).toEqual([2000, 3000, 3000, 3000]);
    // A whole outage counts as one trip.
    expect(await trips('locked')).toBe(1);
  });

  it('a probe that fal does not answer re-opens it and spends that job attempt', async () => {
    await submit(breaker, locked());
    clock.now += 1000;
    await expect(submit(breaker, down())).rejects.toBeInstanceOf(FalTransientError);
    expect(await breaker.state()).toMatchObject({ state: 'open', cause: 'unavailable' });
    expect(await submit(breaker)).toMatchObject({ kind: 'wait', waitMs: 2000 });
  });

  it('a probe lost with its worker frees the slot after its lease', async () => {
    await submit(breaker, locked());
    clock.now += 1000;
    void breaker.call(() => new Promise(() => undefined)); // a worker that died mid-probe
    await new Promise(setImmediate);
    expect(await submit(aWorker())).toMatchObject({ kind: 'wait' });
    clock.now += 60_000;
    expect(await submit(aWorker())).toEqual({ kind: 'done', value: 'req-1' });
    expect(await breaker.state()).toEqual({ state: 'closed' });
  });

  it('closes by itself when no worker comes back to probe (nothing stays open forever)', async () => {
    await submit(breaker, locked());
    clock.now += 1000 + 3000;
    expect(await breaker.state()).toEqual({ state: 'closed' });
  });

  it('of several workers tripping at once, one opens it', async () => {
    const workers = [breaker, aWorker(), aWorker()];
    const waits = await Promise.all(workers.map((w) => submit(w, locked())));
    expect(waits.every((w) => w.kind === 'wait')).toBe(true);
    expect(await trips('locked')).toBe(1);
  });

  it('lets submits through when Redis cannot be read, so each job retries as before', async () => {
    await submit(breaker, locked());
    store.failReads = true;
    expect(await submit(breaker)).toEqual({ kind: 'done', value: 'req-1' });
    await expect(submit(breaker, locked())).rejects.toBeInstanceOf(FalAccountError);
    expect(await breaker.state()).toEqual({ state: 'unknown', error: 'Connection is closed.' });
  });
});
