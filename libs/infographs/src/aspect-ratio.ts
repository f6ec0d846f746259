import { FAL_ASPECT_RATIOS, type FalAspectRatio } from '@app/fal';

/** Accepts the guide's `16/9` and fal's `16:9`; returns fal's form, or null if not a model ratio. */
export function normaliseAspectRatio(value: string): FalAspectRatio | null {
  const candidate = value.trim().replace('/', ':');
  return (FAL_ASPECT_RATIOS as readonly string[]).includes(candidate)
    ? (candidate as FalAspectRatio)
    : null;
}
