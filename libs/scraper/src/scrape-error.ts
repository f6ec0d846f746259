export type ScrapeErrorCode =
  | 'blocked_url'
  | 'bad_scheme'
  | 'too_many_redirects'
  | 'timeout'
  | 'too_large'
  | 'not_html'
  | 'http_error'
  | 'unreadable'
  | 'dns_failed';

/**
 * A scrape that did not produce an article. `message` is written for the person who submitted the
 * URL (it ends up in the infograph's `error_message`), so it says what to change, never a stack.
 *
 * `permanent` tells the worker whether a retry could help. The contract makes a failed scrape
 * permanent (the user is refunded at once and can resubmit), so every code is permanent unless
 * the thrower says otherwise; only dropped connections and HTTP 5xx/429 are marked transient.
 * Timeouts and DNS failures are permanent: a blog that did not answer within the limit, or a host
 * that did not resolve, rarely recovers within the retry window, and retrying only kept the
 * user's credits and a worker slot tied up for minutes before the same refund.
 */
export class ScrapeError extends Error {
  override readonly name = 'ScrapeError';
  readonly code: ScrapeErrorCode;
  readonly permanent: boolean;
  /** The HTTP status for `http_error` answered by the server; undefined for connection failures. */
  readonly status?: number;

  constructor(
    code: ScrapeErrorCode,
    message: string,
    options: { permanent?: boolean; status?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.permanent = options.permanent ?? true;
    this.status = options.status;
  }
}
