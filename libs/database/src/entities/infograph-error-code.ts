/**
 * Why a failed infograph failed, as a stable machine-readable word (`infographs.error_code`, the
 * HTTP answers and the real-time events): clients branch on it, people read `error_message`. Wire
 * format: add words, never rename one. Every failure path sets one; `cancelled` is a failure the
 * user asked for (refunded like the others).
 */
export const INFOGRAPH_ERROR_CODES = [
  /** The blog URL did not answer (timeout, DNS, HTTP error, too many redirects). */
  'blog_unreachable',
  /** The blog URL is not allowed (a private address, another scheme). */
  'blog_blocked',
  /** The blog URL answered with something that is not a readable article. */
  'blog_not_article',
  /** The model's safety filter blocked the prompt or flagged the image. */
  'content_blocked',
  /** fal.ai refused or failed the generation, or its image could not be fetched. */
  'generation_failed',
  /** fal.ai could not be used at all (an outage, our account), past the retries or the deadline. */
  'fal_unavailable',
  /** No result within the maximum age. */
  'timed_out',
  /** The image could not be written to our storage. */
  'storage_failed',
  /** The user cancelled it. */
  'cancelled',
  /** Anything else. */
  'internal_error',
] as const;
export type InfographErrorCode = (typeof INFOGRAPH_ERROR_CODES)[number];
