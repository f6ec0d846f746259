import { priceOf } from './pricing';

describe('priceOf', () => {
  const credits = { pricePerImage: 3, price4k: 7 };

  it.each(['1K', '2K'])('%s costs the per-image price', (resolution) => {
    expect(priceOf(resolution, credits)).toBe(3);
  });

  it('4K costs the 4K price', () => {
    expect(priceOf('4K', credits)).toBe(7);
  });

  it('follows the configured prices, not fixed numbers', () => {
    expect(priceOf('4K', { pricePerImage: 1, price4k: 2 })).toBe(2);
    expect(priceOf('1K', { pricePerImage: 5, price4k: 2 })).toBe(5);
  });
});
