import { ASPECT_RATIOS, type AspectRatio } from './generation-options';

/**
 * Accepts the guide's `16/9` and the model's `16:9` (returns `16:9`), and `auto` in any case;
 * null if not offered.
 */
export function normaliseAspectRatio(value: string): AspectRatio | null {
  const candidate = value.trim().replace('/', ':').toLowerCase();
  return (ASPECT_RATIOS as readonly string[]).includes(candidate)
    ? (candidate as AspectRatio)
    : null;
}
