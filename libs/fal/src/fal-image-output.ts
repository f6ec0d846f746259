import { FalImage, FalImageOutput } from './fal.types';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const optionalNumber = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;
const optionalString = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;

function toImage(value: unknown): FalImage | undefined {
  if (!isRecord(value) || typeof value.url !== 'string' || !/^(https?:|data:)/.test(value.url)) {
    return undefined;
  }
  return {
    url: value.url,
    contentType: optionalString(value.content_type),
    fileName: optionalString(value.file_name),
    fileSize: optionalNumber(value.file_size),
    width: optionalNumber(value.width),
    height: optionalNumber(value.height),
  };
}

/**
 * Reads a model output (the result call's body, or a webhook's payload) defensively: it crosses
 * a network boundary, so every field is checked rather than trusted. Only `images` is required:
 * nano-banana-pro sends no `seed` and no `has_nsfw_concepts` (other models do). An empty `images`
 * list is a verdict, not garbage: the model's safety filter blocked the request.
 */
export function readImageOutput(
  value: unknown,
): { ok: true; output: FalImageOutput } | { ok: false; reason: string } {
  if (!isRecord(value) || !Array.isArray(value.images)) {
    return { ok: false, reason: 'no images array' };
  }
  const images = value.images.map(toImage);
  const bad = images.findIndex((image) => image === undefined);
  if (bad >= 0) {
    return { ok: false, reason: `images[${bad}] has no usable url` };
  }
  const flags = value.has_nsfw_concepts;
  const nsfw = Array.isArray(flags) ? flags.some((flag) => flag === true) : flags === true;
  return {
    ok: true,
    output: {
      images: images as FalImage[],
      nsfw,
      seed: optionalNumber(value.seed),
      description: optionalString(value.description),
    },
  };
}
