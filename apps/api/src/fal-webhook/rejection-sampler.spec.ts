import { RejectionSampler } from './rejection-sampler';

describe('RejectionSampler', () => {
  it('records the first `limit` per window, then only counts, and reports what it left out', () => {
    let now = 0;
    const sampler = new RejectionSampler(2, 1000, () => now);
    const seen = Array.from({ length: 5 }, () => sampler.admit());
    expect(seen.map((s) => s.record)).toEqual([true, true, false, false, false]);
    expect(seen.every((s) => s.suppressedBefore === 0)).toBe(true);

    now = 999;
    expect(sampler.admit().record).toBe(false);
    now = 1000;
    // A new window: recorded again, saying how many went unrecorded since the last record.
    expect(sampler.admit()).toEqual({ record: true, suppressedBefore: 4 });
    expect(sampler.admit()).toEqual({ record: true, suppressedBefore: 0 });
    expect(sampler.admit().record).toBe(false);
  });
});
