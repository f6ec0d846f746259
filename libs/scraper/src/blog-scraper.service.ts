import { Inject, Injectable } from '@nestjs/common';

import { decodeHtml } from './decode-html';
import { extractArticle } from './extract-article';
import { safeFetch } from './safe-fetch';
import { SCRAPER_OPTIONS, type ScraperOptions } from './scraper.options';

export interface ScrapedArticle {
  title: string;
  text: string;
  /** Where the article was read from, after redirects. */
  url: string;
}

/**
 * Fetches a blog post and returns its title and main text. Every failure is a `ScrapeError`
 * whose `permanent` flag tells the caller whether retrying can help.
 */
@Injectable()
export class BlogScraper {
  constructor(@Inject(SCRAPER_OPTIONS) private readonly options: ScraperOptions) {}

  async scrape(url: string): Promise<ScrapedArticle> {
    const page = await safeFetch(url, this.options);
    const html = decodeHtml(page.body, page.contentType);
    const { title, text } = extractArticle(html, page.finalUrl, {
      maxTextChars: this.options.maxTextChars,
    });
    return { title, text, url: page.finalUrl };
  }
}
