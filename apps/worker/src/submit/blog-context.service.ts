import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { AppConfig } from '@app/config';
import { REDIS, type RedisClient } from '@app/redis';
import {
  BlogScraper,
  DEFAULT_SCRAPER_OPTIONS,
  ScrapeError,
  type ScrapeErrorCode,
} from '@app/scraper';
import { Inject, Injectable } from '@nestjs/common';

import type { BlogContext } from './prompt-template';

const CACHE_TTL_SECONDS = 3600;
/** Longer than a whole scrape may take (its deadline plus margin), so a live holder never loses it. */
const LOCK_TTL_MS = DEFAULT_SCRAPER_OPTIONS.timeoutMs + 5_000;
const POLL_MS = 100;

/** What one batch's scrape ended in, as cached for the batch's other infographs. */
type CachedOutcome =
  | { article: BlogContext }
  | { failure: { code: ScrapeErrorCode; message: string; status?: number } };

/** Deletes the lock only if it is still ours (it may have expired and been taken by another). */
const RELEASE_LOCK = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

/**
 * Scrapes a create request's blog once and shares it between that request's infographs.
 *
 * A request's submit jobs run at once, on any worker, so "once" is a cluster-wide single flight:
 * the job that wins a Redis lock (`SET NX PX`) scrapes and caches the outcome; the others poll the
 * cache. The lock expires on its own, so a holder that dies only delays the others until they take
 * the lock themselves; a waiter never waits longer than one lock lifetime before scraping itself.
 *
 * A permanent failure (a 404, a blocked address, not HTML, …) is cached too: the blog said no
 * once, asking again for each infograph only hammers it with the same answer, and each infograph
 * still fails (and is refunded) with the same message. A transient failure (5xx, 429, a dropped
 * connection) is not cached: each job's retry deserves a fresh look.
 */
@Injectable()
export class BlogContextService {
  constructor(
    private readonly scraper: BlogScraper,
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly config: AppConfig,
  ) {}

  async forBatch(batchId: string, url: string): Promise<BlogContext> {
    // Not the older `:blog:<batch>` key, which held a bare article: workers of both versions can
    // run side by side during a deploy, and neither must misread the other's entry.
    const key = `${this.config.redis.prefix}:blog-outcome:${batchId}`;
    const lockKey = `${key}:lock`;
    const deadline = Date.now() + LOCK_TTL_MS;
    for (;;) {
      const cached = await this.cached(key);
      if (cached) {
        return unpack(cached);
      }
      const owner = randomUUID();
      const locked = await this.redis
        .set(lockKey, owner, 'PX', LOCK_TTL_MS, 'NX')
        .catch(() => 'OK' as const); // Redis unreachable: no one to share with, scrape ourselves.
      if (locked === 'OK') {
        try {
          return await this.scrapeAndCache(key, url);
        } finally {
          await this.redis.eval(RELEASE_LOCK, 1, lockKey, owner).catch(() => undefined);
        }
      }
      if (Date.now() >= deadline) {
        return this.scrapeAndCache(key, url);
      }
      await sleep(POLL_MS);
    }
  }

  private async scrapeAndCache(key: string, url: string): Promise<BlogContext> {
    let outcome: CachedOutcome;
    try {
      outcome = { article: await this.scraper.scrape(url) };
    } catch (error) {
      if (!(error instanceof ScrapeError) || !error.permanent) {
        throw error;
      }
      outcome = { failure: { code: error.code, message: error.message, status: error.status } };
    }
    await this.redis
      .set(key, JSON.stringify(outcome), 'EX', CACHE_TTL_SECONDS)
      .catch(() => undefined);
    return unpack(outcome);
  }

  private async cached(key: string): Promise<CachedOutcome | null> {
    const raw = await this.redis.get(key).catch(() => null);
    return raw ? (JSON.parse(raw) as CachedOutcome) : null;
  }
}

function unpack(outcome: CachedOutcome): BlogContext {
  if ('failure' in outcome) {
    const { code, message, status } = outcome.failure;
    throw new ScrapeError(code, message, { permanent: true, status });
  }
  return outcome.article;
}
