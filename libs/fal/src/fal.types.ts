/**
 * The model's input as sent on the wire (snake_case on purpose: it is fal's JSON). The enum lists
 * are unconfirmed by fal, so they live here once and our own API validates against them.
 */
export const FAL_ASPECT_RATIOS = [
  '21:9',
  '16:9',
  '3:2',
  '4:3',
  '5:4',
  '1:1',
  '4:5',
  '3:4',
  '2:3',
  '9:16',
] as const;
export const FAL_RESOLUTIONS = ['1K', '2K', '4K'] as const;
export const FAL_OUTPUT_FORMATS = ['png', 'jpeg', 'webp'] as const;
export const FAL_MAX_IMAGES = 4;

export type FalAspectRatio = (typeof FAL_ASPECT_RATIOS)[number];
export type FalResolution = (typeof FAL_RESOLUTIONS)[number];
export type FalOutputFormat = (typeof FAL_OUTPUT_FORMATS)[number];

export interface FalImageInput {
  prompt: string;
  num_images?: number;
  aspect_ratio?: FalAspectRatio;
  resolution?: FalResolution;
  output_format?: FalOutputFormat;
  /** Keep false: true returns data URIs instead of URLs. */
  sync_mode?: boolean;
  seed?: number;
}

/** One generated image; fal documents width/height only loosely, so they may be missing. */
export interface FalImage {
  url: string;
  contentType?: string;
  fileName?: string;
  fileSize?: number;
  width?: number;
  height?: number;
}

export interface FalImageOutput {
  images: FalImage[];
  /** True when fal flagged any image. */
  nsfw: boolean;
  seed?: number;
  description?: string;
}

/** fal reports failed and cancelled requests as COMPLETED too; `error` then says what happened. */
export type FalRequestStatus =
  | { state: 'IN_QUEUE'; queuePosition?: number }
  | { state: 'IN_PROGRESS' }
  | { state: 'COMPLETED'; error?: string; inferenceTimeSeconds?: number };
