import { AppConfig } from '@app/config';
import { REDIS } from '@app/redis';
import { BlogScraper } from '@app/scraper';
import { Inject, Injectable } from '@nestjs/common';
import type IORedis from 'ioredis';

import type { BlogContext } from './prompt-template';

const CACHE_TTL_SECONDS = 3600;

/** Scrapes a create request's blog once and shares it between that request's infographs. */
@Injectable()
export class BlogContextService {
  constructor(
    private readonly scraper: BlogScraper,
    @Inject(REDIS) private readonly redis: IORedis,
    private readonly config: AppConfig,
  ) {}

  async forBatch(batchId: string, url: string): Promise<BlogContext> {
    const key = `${this.config.redis.prefix}:blog:${batchId}`;
    const cached = await this.redis.get(key).catch(() => null);
    if (cached) {
      return JSON.parse(cached) as BlogContext;
    }
    const article = await this.scraper.scrape(url);
    await this.redis
      .set(key, JSON.stringify(article), 'EX', CACHE_TTL_SECONDS)
      .catch(() => undefined);
    return article;
  }
}
