import type { InfographErrorCode } from '@app/database';

/**
 * What may be said beside a failure's code: only what the user gave us (the blog's host) or what
 * we decided (the time limit), never a vendor's or a library's text.
 */
export interface FailureDetail {
  /** The infograph's blog URL; only its host is shown. */
  blogUrl?: string | null;
  /** The time limit a `timed_out` infograph ran into. */
  timeoutMs?: number;
}

const REFUNDED = 'Your credits were refunded';

/**
 * The `error_message` a user reads for each `error_code`: what happened and what to do, in their
 * terms. The raw cause (fal's error, an S3 code, a socket error) is for operators only and goes to
 * the logs and the job's failed reason; it is never stored where a user reads it, since it can
 * name our vendors, our buckets or our account's state.
 */
export function failureMessage(code: InfographErrorCode, detail: FailureDetail = {}): string {
  const blog = blogHost(detail.blogUrl);
  switch (code) {
    case 'cancelled':
      return `Cancelled at your request. ${REFUNDED}.`;
    case 'blog_unreachable':
      return `We couldn't reach the blog post ${blog}. ${REFUNDED} — check the link, or try again later.`;
    case 'blog_blocked':
      return `The blog post ${blog} can't be used: only public http and https addresses are allowed. ${REFUNDED}.`;
    case 'blog_not_article':
      return `The page ${blog} isn't a readable article (not a web page, or too large). ${REFUNDED} — try another link.`;
    case 'content_blocked':
      return `The image was blocked by the safety filter. ${REFUNDED} — try rephrasing the prompt.`;
    case 'generation_failed':
      return `The image could not be generated. ${REFUNDED} — try again.`;
    case 'fal_unavailable':
      return `Image generation is unavailable right now. ${REFUNDED} — try again in a few minutes.`;
    case 'timed_out':
      return `The image was not ready ${within(detail.timeoutMs)}, so we stopped it. ${REFUNDED} — try again.`;
    case 'storage_failed':
      return `The image was made but could not be saved. ${REFUNDED} — try again.`;
    case 'internal_error':
    default:
      return `Something went wrong on our side. ${REFUNDED} — try again.`;
  }
}

/** "at example.com", or "you linked" when the URL is absent or unreadable. */
function blogHost(url: string | null | undefined): string {
  try {
    return url ? `at ${new URL(url).hostname}` : 'you linked';
  } catch {
    return 'you linked';
  }
}

function within(timeoutMs: number | undefined): string {
  if (timeoutMs === undefined) {
    return 'in time';
  }
  const minutes = Math.max(1, Math.round(timeoutMs / 60000));
  return `within ${minutes} minute${minutes === 1 ? '' : 's'}`;
}
