import { DynamicModule, Module } from '@nestjs/common';

import { BlogScraper } from './blog-scraper.service';
import { SCRAPER_OPTIONS, type ScraperOptions } from './scraper.options';

@Module({})
export class ScraperModule {
  /** Options come from the caller (the app maps AppConfig onto them); this lib reads no config. */
  static forRoot(options: ScraperOptions): DynamicModule {
    return {
      module: ScraperModule,
      providers: [{ provide: SCRAPER_OPTIONS, useValue: options }, BlogScraper],
      exports: [BlogScraper],
    };
  }
}
