import type { AppConfig } from '@app/config';

/** Credits one infograph costs: 4K images cost more at fal, so they cost more here. */
export function priceOf(resolution: string, credits: AppConfig['credits']): number {
  return resolution === '4K' ? credits.price4k : credits.pricePerImage;
}
