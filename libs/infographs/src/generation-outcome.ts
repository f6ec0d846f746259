import type { FalImage } from '@app/fal';

/** What to tell the user when fal flags an image: nothing of it is published. */
export const NSFW_REASON =
  'The generated image was flagged as unsafe content and was not published; your credits were refunded.';

/** fal's verdict on one request, whether it came by webhook or by polling. */
export type FalOutcome =
  { kind: 'ok'; images: FalImage[]; nsfw: boolean } | { kind: 'error'; message: string };

/** What the caller must do next after applying an outcome (enqueueing is the caller's job). */
export type AppliedOutcome =
  | 'accepted' // image recorded: enqueue upload
  | 'failed' // failed and refunded: enqueue notify
  | 'duplicate' // already had this result: nothing to do
  | 'ignored_terminal'; // completed or failed already: nothing changes

export function describeFalError(message: string): string {
  return `Image generation failed at fal.ai: ${message}`.slice(0, 2000);
}
