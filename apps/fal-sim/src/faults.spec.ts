import { decideRun, decideSubmit, DEFAULT_FAULTS, mergeFaults, parseMarkers } from './faults';
import { hashSeed, mulberry32 } from './prng';

describe('mulberry32', () => {
  it('repeats a sequence for the same seed and differs for another', () => {
    const take = (seed: number) => Array.from({ length: 5 }, mulberry32(seed));
    expect(take(42)).toEqual(take(42));
    expect(take(42)).not.toEqual(take(43));
    expect(take(7).every((n) => n >= 0 && n < 1)).toBe(true);
  });

  it('hashes parts deterministically', () => {
    expect(hashSeed('seed', 'prompt', 0)).toBe(hashSeed('seed', 'prompt', 0));
    expect(hashSeed('seed', 'prompt', 0)).not.toBe(hashSeed('seed', 'prompt', 1));
  });
});

describe('parseMarkers', () => {
  it('reads prompt markers and the header, comma lists included', () => {
    const markers = parseMarkers(
      'Chart [sim:dup,late=1500] of [sim:submit-fail-2] [sim:bogus]',
      'nsfw, stuck',
    );
    expect(markers).toMatchObject({
      dup: true,
      lateMs: 1500,
      submitFailFirst: 2,
      nsfw: true,
      stuck: true,
      lost: false,
      unknown: ['bogus'],
    });
    expect(parseMarkers('[sim:fail-422]').fail).toBe('422');
    expect(parseMarkers('[sim:cancel-ignored,retry-keeps-timestamp]')).toMatchObject({
      cancelIgnored: true,
      retryKeepsTimestamp: true,
      unknown: [],
    });
    expect(parseMarkers('[sim:fail]').fail).toBe('500');
  });
});

describe('fault decisions', () => {
  const none = parseMarkers('plain');

  it('lets markers force faults whatever the rates', () => {
    const rng = mulberry32(1);
    expect(decideSubmit(DEFAULT_FAULTS, parseMarkers('[sim:submit-429]'), rng, 0)).toBe(
      'error-429',
    );
    expect(decideSubmit(DEFAULT_FAULTS, parseMarkers('[sim:submit-422]'), rng, 0)).toBe(
      'error-422',
    );
    expect(decideSubmit(DEFAULT_FAULTS, parseMarkers('[sim:submit-fail-2]'), rng, 1)).toBe(
      'error-500',
    );
    expect(decideSubmit(DEFAULT_FAULTS, parseMarkers('[sim:submit-fail-2]'), rng, 2)).toBe(
      'accept',
    );
    expect(decideRun(DEFAULT_FAULTS, parseMarkers('[sim:slow=50] [sim:lost]'), rng)).toMatchObject({
      latencyMs: 50,
      webhook: { lost: true },
    });
  });

  it('applies rates with the seeded dice, repeatably', () => {
    const settings = { ...DEFAULT_FAULTS, failRate: 0.5, webhookDupRate: 0.5, jitterMs: 1000 };
    const run = (seed: number) =>
      Array.from({ length: 20 }, (_, i) =>
        decideRun(settings, none, mulberry32(hashSeed(seed, i))),
      );
    expect(run(1)).toEqual(run(1));
    const outcomes = new Set(run(1).map((plan) => plan.outcome));
    expect(outcomes).toEqual(new Set(['ok', 'fail-500']));
    expect(run(1).every((p) => p.latencyMs >= 2000 && p.latencyMs < 3000)).toBe(true);
    const always = { ...DEFAULT_FAULTS, submit500Rate: 1 };
    expect(decideSubmit(always, none, mulberry32(3), 0)).toBe('error-500');
  });
});

describe('fal-like defaults', () => {
  const none = parseMarkers('plain');

  it('runs 4 at once, takes bad input at submit and may ignore an IN_PROGRESS cancel', () => {
    expect(DEFAULT_FAULTS).toMatchObject({
      concurrency: 4,
      validateAtSubmit: false,
      latencyProfile: 'fixed',
    });
    const plans = Array.from({ length: 40 }, (_, i) =>
      decideRun(DEFAULT_FAULTS, none, mulberry32(hashSeed('cancel', i))),
    );
    expect(new Set(plans.map((p) => p.cancelIgnored))).toEqual(new Set([true, false]));
    expect(
      decideRun(
        { ...DEFAULT_FAULTS, cancelIgnoredRate: 0 },
        parseMarkers('[sim:cancel-ignored]'),
        mulberry32(1),
      ),
    ).toMatchObject({ cancelIgnored: true });
  });

  it('plans a refused input to fail as soon as it runs, whatever else was asked', () => {
    expect(
      decideRun(DEFAULT_FAULTS, parseMarkers('[sim:stuck,slow=5000]'), mulberry32(1), {
        resolution: '1K',
        valid: false,
      }),
    ).toMatchObject({ outcome: 'invalid-input', latencyMs: 0 });
  });

  it('draws fal-like run times by resolution with the latency profile, scaled', () => {
    const settings = { ...DEFAULT_FAULTS, latencyProfile: 'fal' as const };
    const times = (resolution: '1K' | '2K' | '4K', scale = 1) =>
      Array.from(
        { length: 400 },
        (_, i) =>
          decideRun(
            { ...settings, latencyScale: scale },
            none,
            mulberry32(hashSeed(resolution, i)),
            {
              resolution,
              valid: true,
            },
          ).latencyMs,
      ).sort((a, b) => a - b);
    const median = (list: number[]) => list[Math.floor(list.length / 2)];
    expect(median(times('1K'))).toBeGreaterThanOrEqual(15_000);
    expect(median(times('1K'))).toBeLessThanOrEqual(25_000);
    expect(median(times('2K'))).toBeGreaterThanOrEqual(30_000);
    expect(median(times('2K'))).toBeLessThanOrEqual(40_000);
    expect(median(times('4K'))).toBeGreaterThanOrEqual(50_000);
    expect(median(times('4K'))).toBeLessThanOrEqual(70_000);
    // A long tail: some requests far past the band, none past 150 s.
    expect(times('1K').at(-1)).toBeGreaterThan(60_000);
    expect(times('4K').at(-1)).toBeLessThanOrEqual(150_000);
    expect(times('1K', 0.01).every((ms) => ms >= 150 && ms <= 1500)).toBe(true);
  });
});

describe('mergeFaults', () => {
  it('merges valid settings and names bad ones', () => {
    expect(mergeFaults(DEFAULT_FAULTS, { failRate: 0.25, latencyMs: 0 })).toMatchObject({
      ok: true,
      settings: { failRate: 0.25, latencyMs: 0 },
    });
    expect(mergeFaults(DEFAULT_FAULTS, { failRate: 2, nope: 1, latencyMs: -1 })).toEqual({
      ok: false,
      problems: [
        'failRate: expected a rate between 0 and 1',
        'nope: unknown setting',
        'latencyMs: expected an integer >= 0 (ms)',
      ],
    });
  });

  it('checks the settings that are neither rates nor milliseconds', () => {
    expect(
      mergeFaults(DEFAULT_FAULTS, {
        concurrency: 0,
        latencyProfile: 'fal',
        latencyScale: 0.01,
        validateAtSubmit: true,
        cancelIgnoredRate: 1,
      }),
    ).toMatchObject({
      ok: true,
      settings: {
        concurrency: 0,
        latencyProfile: 'fal',
        latencyScale: 0.01,
        validateAtSubmit: true,
      },
    });
    expect(
      mergeFaults(DEFAULT_FAULTS, {
        concurrency: 1.5,
        latencyProfile: 'slow',
        latencyScale: 0,
        validateAtSubmit: 1,
      }),
    ).toEqual({
      ok: false,
      problems: [
        'concurrency: expected an integer >= 0 (0: no limit)',
        'latencyProfile: expected "fixed" or "fal"',
        'latencyScale: expected a factor above 0, up to 100',
        'validateAtSubmit: expected true or false',
      ],
    });
  });
});

describe('safety blocks, internal retries and bare JWKS keys', () => {
  it('reads the empty-images and gateway-retry markers', () => {
    expect(parseMarkers('[sim:empty-images,gateway-retry]')).toMatchObject({
      emptyImages: true,
      gatewayRetry: true,
    });
    expect(parseMarkers('plain')).toMatchObject({ emptyImages: false, gatewayRetry: false });
  });

  it('plans an empty images list, and an internal retry by marker or rate', () => {
    const none = parseMarkers('plain');
    expect(decideRun(DEFAULT_FAULTS, none, mulberry32(1))).toMatchObject({
      emptyImages: false,
      gatewayRetried: false,
    });
    expect(
      decideRun(DEFAULT_FAULTS, parseMarkers('[sim:empty-images,gateway-retry]'), mulberry32(1)),
    ).toMatchObject({ outcome: 'ok', emptyImages: true, gatewayRetried: true });
    expect(
      decideRun({ ...DEFAULT_FAULTS, gatewayRetryRate: 1 }, none, mulberry32(1)),
    ).toMatchObject({ gatewayRetried: true });
  });

  it('switches the JWKS to bare keys (only x) by setting', () => {
    expect(DEFAULT_FAULTS).toMatchObject({ jwksBareKeys: false, gatewayRetryRate: 0 });
    expect(
      mergeFaults(DEFAULT_FAULTS, { jwksBareKeys: true, gatewayRetryRate: 0.5 }),
    ).toMatchObject({ ok: true, settings: { jwksBareKeys: true, gatewayRetryRate: 0.5 } });
    expect(mergeFaults(DEFAULT_FAULTS, { jwksBareKeys: 1 })).toEqual({
      ok: false,
      problems: ['jwksBareKeys: expected true or false'],
    });
  });
});
