import { PNG } from 'pngjs';

import { renderInfographic } from './image-renderer';
import { imageSize } from './model-input';

describe('renderInfographic', () => {
  it.each([
    ['16:9', '1K'],
    ['9:16', '2K'],
    ['21:9', '1K'],
    // The largest fal size (about 16 MP). How long it takes is the benchmarks' business, not a test's.
    ['16:9', '4K'],
  ] as const)('renders a valid PNG of the %s %s size', (ratio, resolution) => {
    const size = imageSize(ratio, resolution);
    const png = PNG.sync.read(
      renderInfographic({ ...size, prompt: 'Revenue by region', seed: 1, index: 0 }),
    );
    expect([png.width, png.height]).toEqual([size.width, size.height]);
  });

  it('is deterministic and depends on prompt and seed', () => {
    const render = (prompt: string, seed: number) =>
      renderInfographic({ width: 256, height: 256, prompt, seed, index: 0 });
    expect(render('a', 1).equals(render('a', 1))).toBe(true);
    expect(render('a', 1).equals(render('a', 2))).toBe(false);
    expect(render('a', 1).equals(render('b', 1))).toBe(false);
  });
});
