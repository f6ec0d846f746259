export { type AddressClass, classifyAddress } from './address-classifier';
export { BlogScraper, type ScrapedArticle } from './blog-scraper.service';
export { decodeHtml } from './decode-html';
export {
  DEFAULT_MAX_TEXT_CHARS,
  type ExtractArticleOptions,
  type ExtractedArticle,
  extractArticle,
} from './extract-article';
export {
  type HostResolver,
  type ResolvedAddress,
  type SafeFetchOptions,
  type SafeFetchResult,
  safeFetch,
} from './safe-fetch';
export { ScrapeError, type ScrapeErrorCode } from './scrape-error';
export { ScraperModule } from './scraper.module';
export { DEFAULT_SCRAPER_OPTIONS, SCRAPER_OPTIONS, type ScraperOptions } from './scraper.options';
