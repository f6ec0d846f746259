import { PNG } from 'pngjs';

import { GLYPH_HEIGHT, GLYPH_WIDTH, glyphCells } from './bitmap-font';
import { hashSeed, mulberry32, randomInt, Rng } from './prng';

type Rgb = [number, number, number];

/** An RGB raster painted only with rectangles, so big images fill with Buffer copies, not pixel loops. */
class Raster {
  readonly data: Buffer;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.data = Buffer.alloc(width * height * 3);
  }

  fillRect(x0: number, y0: number, x1: number, y1: number, [r, g, b]: Rgb): void {
    const left = Math.max(0, Math.floor(x0));
    const right = Math.min(this.width, Math.ceil(x1));
    const top = Math.max(0, Math.floor(y0));
    const bottom = Math.min(this.height, Math.ceil(y1));
    if (left >= right || top >= bottom) {
      return;
    }
    const rowStart = (y: number): number => (y * this.width + left) * 3;
    const first = rowStart(top);
    const bytes = (right - left) * 3;
    this.data[first] = r;
    this.data[first + 1] = g;
    this.data[first + 2] = b;
    // Doubling copies fill the first row in log2(width) steps.
    for (let filled = 3; filled < bytes; filled *= 2) {
      this.data.copyWithin(first + filled, first, first + Math.min(filled, bytes - filled));
    }
    for (let y = top + 1; y < bottom; y++) {
      this.data.copyWithin(rowStart(y), first, first + bytes);
    }
  }

  toPng(): Buffer {
    const png = new PNG({
      width: this.width,
      height: this.height,
      colorType: 2,
      inputHasAlpha: false,
    });
    png.data = this.data;
    // "Up" filtering turns repeated rows into zeros, and level 1 deflate keeps 4K renders fast.
    return PNG.sync.write(png, {
      colorType: 2,
      inputColorType: 2,
      inputHasAlpha: false,
      filterType: 2,
      deflateLevel: 1,
    });
  }
}

function colour(rng: Rng, min: number, max: number): Rgb {
  return [randomInt(rng, min, max), randomInt(rng, min, max), randomInt(rng, min, max)];
}

export interface RenderRequest {
  width: number;
  height: number;
  prompt: string;
  seed: number;
  index: number;
}

/**
 * A stand-in "infographic": a pale background, a dark title band spelling the start of the prompt,
 * and a bar chart whose colours and heights follow the prompt and seed (same input, same image).
 */
export function renderInfographic({ width, height, prompt, seed, index }: RenderRequest): Buffer {
  const rng = mulberry32(hashSeed(prompt, seed, index));
  const raster = new Raster(width, height);
  raster.fillRect(0, 0, width, height, colour(rng, 225, 250));

  const band = Math.max(8, Math.round(height * 0.16));
  raster.fillRect(0, 0, width, band, colour(rng, 20, 70));
  drawTitle(raster, prompt.replace(/\[sim:[^\]]*\]/g, '').trim(), band);

  const bars = randomInt(rng, 4, 7);
  const margin = Math.round(width * 0.06);
  const floor = height - Math.round(height * 0.08);
  const chartTop = band + Math.round(height * 0.08);
  const slot = (width - 2 * margin) / bars;
  for (let i = 0; i < bars; i++) {
    const barHeight = (floor - chartTop) * (0.2 + 0.8 * rng());
    const x = margin + i * slot + slot * 0.15;
    raster.fillRect(x, floor - barHeight, x + slot * 0.7, floor, colour(rng, 40, 200));
  }
  raster.fillRect(margin, floor, width - margin, floor + Math.max(2, height * 0.005), [60, 60, 60]);
  return raster.toPng();
}

function drawTitle(raster: Raster, text: string, band: number): void {
  const scale = Math.max(1, Math.floor((band * 0.55) / GLYPH_HEIGHT));
  const advance = (GLYPH_WIDTH + 1) * scale;
  const left = Math.round(band * 0.25);
  const top = Math.round((band - GLYPH_HEIGHT * scale) / 2);
  const fits = Math.max(0, Math.floor((raster.width - 2 * left) / advance));
  const shown = text.length > fits ? `${text.slice(0, Math.max(0, fits - 3))}...` : text;
  [...shown].forEach((char, i) => {
    for (const [cx, cy] of glyphCells(char)) {
      const x = left + i * advance + cx * scale;
      const y = top + cy * scale;
      raster.fillRect(x, y, x + scale, y + scale, [245, 245, 245]);
    }
  });
}
