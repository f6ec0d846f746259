import { Test } from '@nestjs/testing';

import { BlogScraper } from './blog-scraper.service';
import { ScrapeError } from './scrape-error';
import { ScraperModule } from './scraper.module';
import { DEFAULT_SCRAPER_OPTIONS } from './scraper.options';

describe('ScraperModule.forRoot', () => {
  it('provides a BlogScraper built from the given options', async () => {
    const resolver = jest.fn(() => Promise.resolve([{ address: '192.168.0.10', family: 4 }]));
    const moduleRef = await Test.createTestingModule({
      imports: [ScraperModule.forRoot({ ...DEFAULT_SCRAPER_OPTIONS, resolver })],
    }).compile();

    const scraper = moduleRef.get(BlogScraper);
    const error = await scraper.scrape('https://lan-blog.example/post').catch((e: unknown) => e);

    // The injected resolver being used proves the options reached the service.
    expect(resolver).toHaveBeenCalledWith('lan-blog.example');
    expect(error).toBeInstanceOf(ScrapeError);
    expect((error as ScrapeError).code).toBe('blocked_url');
    await moduleRef.close();
  });

  it('ships the product limits as defaults', () => {
    expect(DEFAULT_SCRAPER_OPTIONS).toMatchObject({
      timeoutMs: 10_000,
      maxBytes: 2 * 1024 * 1024,
      maxRedirects: 3,
      maxTextChars: 6000,
    });
    expect(DEFAULT_SCRAPER_OPTIONS.allowedContentTypes).toContain('text/html');
    expect(DEFAULT_SCRAPER_OPTIONS.allowPrivateHosts).toBeUndefined();
  });
});
