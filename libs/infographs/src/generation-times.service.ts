import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** Until there is history: fal's typical times by resolution (the middle of its usual band). */
const TYPICAL_MS: Record<string, number> = { '1K': 20_000, '2K': 35_000, '4K': 60_000 };
/** How many recent completions per resolution the percentile is taken over, and how long cached. */
const RECENT = 100;
const CACHE_MS = 15_000;

/**
 * Recent generation times by resolution — a moving median of submitted → completed over the last
 * RECENT completions of the past day —, read at most once per CACHE_MS per process: what an
 * estimate of "about N s" is made from.
 */
@Injectable()
export class GenerationTimesService {
  private cached: { at: number; byResolution: Map<string, number> } | null = null;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async medianMs(resolution: string): Promise<number> {
    if (!this.cached || Date.now() - this.cached.at > CACHE_MS) {
      this.cached = { at: Date.now(), byResolution: await this.read() };
    }
    return this.cached.byResolution.get(resolution) ?? TYPICAL_MS[resolution] ?? TYPICAL_MS['1K'];
  }

  private async read(): Promise<Map<string, number>> {
    // The (status, updated_at) index finds the day's completed rows; a completed row's updated_at
    // is its completion.
    const rows = await this.dataSource.query<{ resolution: string; p50: number }[]>(
      `SELECT resolution, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::float8 AS p50
         FROM (SELECT resolution,
                      extract(epoch FROM completed_at - submitted_at) * 1000 AS ms,
                      row_number() OVER (PARTITION BY resolution ORDER BY updated_at DESC) AS n
                 FROM infographs
                WHERE status = 'completed' AND updated_at > now() - interval '1 day'
                  AND submitted_at IS NOT NULL AND completed_at IS NOT NULL) recent
        WHERE n <= $1
        GROUP BY resolution`,
      [RECENT],
    );
    return new Map(rows.map((r) => [r.resolution, Math.round(r.p50)]));
  }
}
