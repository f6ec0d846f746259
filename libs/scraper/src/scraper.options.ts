import { DEFAULT_MAX_TEXT_CHARS } from './extract-article';
import type { SafeFetchOptions } from './safe-fetch';

export type ScraperOptions = SafeFetchOptions & {
  /** Upper bound on the extracted text folded into the prompt. */
  maxTextChars?: number;
};

/** Injection token for the `ScraperOptions` a `BlogScraper` is built from. */
export const SCRAPER_OPTIONS = Symbol('SCRAPER_OPTIONS');

/** The product limits: 10 s, 2 MiB, 3 redirects, HTML only, 6000 characters of text. */
export const DEFAULT_SCRAPER_OPTIONS: Readonly<ScraperOptions> = Object.freeze({
  timeoutMs: 10_000,
  maxBytes: 2 * 1024 * 1024,
  maxRedirects: 3,
  allowedContentTypes: Object.freeze(['text/html', 'application/xhtml+xml']),
  userAgent: 'ainfographic-scraper/0.1 (+blog-to-infographic; fetches one page per request)',
  maxTextChars: DEFAULT_MAX_TEXT_CHARS,
});
