import type { Resolution } from './model-input';

/**
 * Generation times as seen on fal for nano-banana-pro: most requests land in a band per resolution,
 * a few take far longer (fal's p95 has reached 150 s). Seconds.
 */
const TYPICAL_SECONDS: Record<Resolution, [number, number]> = {
  '1K': [15, 25],
  '2K': [30, 40],
  '4K': [50, 70],
};
/** Share of requests in the slow tail, and where the tail ends. */
const TAIL_SHARE = 0.15;
const TAIL_MAX_SECONDS = 150;

/**
 * One request's run time in ms from two dice in [0, 1): `tail` picks band or tail, `spread` the
 * place in it (squared in the tail, so very slow requests stay rare). `scale` compresses it all
 * for tests (0.01: a 1K request takes 150–250 ms).
 */
export function falLatencyMs(
  resolution: Resolution,
  scale: number,
  tail: number,
  spread: number,
): number {
  const [low, high] = TYPICAL_SECONDS[resolution];
  const seconds =
    tail < TAIL_SHARE
      ? high + (TAIL_MAX_SECONDS - high) * spread ** 2
      : low + (high - low) * spread;
  return Math.round(seconds * 1000 * scale);
}
