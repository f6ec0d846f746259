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
 * `permanent` tells the worker whether a retry could help: timeouts, DNS failures, dropped
 * connections and HTTP 5xx/429 are transient; a blocked or malformed URL never gets better.
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
    this.permanent = options.permanent ?? !TRANSIENT_BY_DEFAULT.has(code);
    this.status = options.status;
  }
}

const TRANSIENT_BY_DEFAULT: ReadonlySet<ScrapeErrorCode> = new Set(['timeout', 'dns_failed']);
