import { slotRecheckDelayMs } from './fal-slot-wait';

describe('slotRecheckDelayMs', () => {
  it('is a quarter of the lease, between 1 and 15 s, plus up to a fifth of jitter', () => {
    expect(slotRecheckDelayMs(20_000, 0)).toBe(5_000);
    expect(slotRecheckDelayMs(20_000, 0.999)).toBe(5_999);
    expect(slotRecheckDelayMs(120_000, 0)).toBe(15_000);
    expect(slotRecheckDelayMs(1_000, 0)).toBe(1_000);
  });
});
