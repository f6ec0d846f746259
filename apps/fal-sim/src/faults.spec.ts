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
});
