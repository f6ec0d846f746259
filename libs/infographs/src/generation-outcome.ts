import { failureMessage } from './failure-message';

/**
 * fal reports a safety block either as an OK with no images or as an ERROR; the ERROR's words are
 * not promised (its validation detail says "flagged by a content checker", type
 * `content_policy_violation`; the model's own filter speaks of NSFW or IMAGE_SAFETY), so this
 * reads the usual ones.
 */
const SAFETY_WORDS =
  /content[_ ]policy|content checker|\bnsfw\b|image_safety|safety (filter|checker|check|system)|unsafe content|blocked by (the )?safety/i;

/** Whether fal's error text says the safety filter blocked the request. */
export function isSafetyBlock(message: string): boolean {
  return SAFETY_WORDS.test(message);
}

/** An image the model made, as we keep it until the upload job has copied it. */
export interface GeneratedImage {
  url: string;
  width?: number;
  height?: number;
  contentType?: string;
}

/**
 * The model's verdict on one request, whether it came by webhook or by polling. An OK with no
 * images is the model declining to show anything: a safety block.
 */
export type GenerationOutcome =
  { kind: 'ok'; images: GeneratedImage[]; nsfw: boolean } | { kind: 'error'; message: string };

/** What applying an outcome did; what follows (upload, notify) is decided from this. */
export type AppliedOutcome =
  | 'accepted' // image recorded: upload follows
  | 'failed' // failed and refunded: notify follows
  | 'duplicate' // already had this result: nothing to do
  | 'ignored_terminal'; // completed or failed already: nothing changes

/** An OK verdict with an image we may publish. */
export function isUsableImage(
  outcome: GenerationOutcome,
): outcome is { kind: 'ok'; images: [GeneratedImage, ...GeneratedImage[]]; nsfw: false } {
  return outcome.kind === 'ok' && !outcome.nsfw && outcome.images.length > 0;
}

const BLOCKED = {
  code: 'content_blocked',
  reason: failureMessage('content_blocked'),
  reasonClass: 'nsfw',
} as const;

/**
 * Why a verdict gives the user no image: the `error_code` clients branch on, the `error_message`
 * they read, its metrics class, and what fal said (`detail`, for the logs only).
 */
export function whyUnusable(outcome: GenerationOutcome): {
  code: 'content_blocked' | 'generation_failed';
  reason: string;
  reasonClass: 'nsfw' | 'fal_error';
  detail: string;
} {
  if (outcome.kind === 'error') {
    return isSafetyBlock(outcome.message)
      ? { ...BLOCKED, detail: outcome.message }
      : {
          code: 'generation_failed',
          reason: failureMessage('generation_failed'),
          reasonClass: 'fal_error',
          detail: outcome.message,
        };
  }
  return {
    ...BLOCKED,
    detail: outcome.nsfw ? 'the image was flagged NSFW' : 'an OK with no images (a safety block)',
  };
}
