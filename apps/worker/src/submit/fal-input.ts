import type { Infograph } from '@app/database';
import type { FalAspectRatio, FalImageInput, FalResolution, FalSafetyTolerance } from '@app/fal';
import { ASPECT_RATIOS, RESOLUTIONS } from '@app/infographs';
import { UnrecoverableError } from 'bullmq';

// Every aspect ratio and resolution we offer is one fal accepts: these fail to compile otherwise.
const OFFERED_RATIOS: readonly FalAspectRatio[] = ASPECT_RATIOS;
const OFFERED_RESOLUTIONS: readonly FalResolution[] = RESOLUTIONS;

/**
 * The model input for one infograph: one PNG at its ratio and resolution, with the configured
 * safety tolerance (none: fal's default).
 */
export function falInputFor(
  infograph: Pick<Infograph, 'aspectRatio' | 'resolution'>,
  prompt: string,
  settings: { safetyTolerance?: FalSafetyTolerance } = {},
): FalImageInput {
  // Rows are validated on create against the same lists; these lookups keep the types honest.
  const aspectRatio = OFFERED_RATIOS.find((r) => r === infograph.aspectRatio);
  const resolution = OFFERED_RESOLUTIONS.find((r) => r === infograph.resolution);
  if (!aspectRatio || !resolution) {
    // No retry can fix the row: fail it at once (refunded).
    throw new UnrecoverableError(
      `infograph has an aspect ratio or resolution we do not offer: ${infograph.aspectRatio} ${infograph.resolution}`,
    );
  }
  return {
    prompt,
    num_images: 1,
    aspect_ratio: aspectRatio,
    resolution,
    output_format: 'png',
    ...(settings.safetyTolerance && { safety_tolerance: settings.safetyTolerance }),
  };
}
