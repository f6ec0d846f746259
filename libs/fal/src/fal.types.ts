/**
 * The model's input as sent on the wire (snake_case on purpose: it is fal's JSON). What fal
 * accepts, as types only: what we offer is the domain's list (libs/infographs), which the submit
 * step checks against these at compile time.
 */
export type FalAspectRatio =
  'auto' | '21:9' | '16:9' | '3:2' | '4:3' | '5:4' | '1:1' | '4:5' | '3:4' | '2:3' | '9:16';
/** How strict fal's safety checker is: "1" strictest … "6" most permissive (fal's default "4"). */
export type FalSafetyTolerance = '1' | '2' | '3' | '4' | '5' | '6';
export type FalResolution = '1K' | '2K' | '4K';
export type FalOutputFormat = 'png' | 'jpeg' | 'webp';

export interface FalImageInput {
  prompt: string;
  num_images?: number;
  aspect_ratio?: FalAspectRatio;
  resolution?: FalResolution;
  output_format?: FalOutputFormat;
  /** Keep false: true returns data URIs instead of URLs. */
  sync_mode?: boolean;
  seed?: number;
  /** A string on the wire; absent means fal's default. */
  safety_tolerance?: FalSafetyTolerance;
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

/**
 * A model's output. nano-banana-pro sends only `images` and `description` (no `seed`, no
 * `has_nsfw_concepts`); other models flag images, so `nsfw` stays. An empty `images` list is how a
 * safety block can surface.
 */
export interface FalImageOutput {
  images: FalImage[];
  /** True when the model flagged any image (`has_nsfw_concepts`); false when it does not say. */
  nsfw: boolean;
  seed?: number;
  description?: string;
}

/** fal reports failed and cancelled requests as COMPLETED too; `error` then says what happened. */
export type FalRequestStatus =
  | { state: 'IN_QUEUE'; queuePosition?: number }
  | { state: 'IN_PROGRESS' }
  | { state: 'COMPLETED'; error?: string; inferenceTimeSeconds?: number };
