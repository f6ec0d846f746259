import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Metrics } from './metrics';

const ROOT = join(__dirname, '..', '..', '..');

/** Metric names an ops file refers to, with histogram suffixes folded into their family. */
function referencedMetrics(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const names = text.match(/ainfographic_[a-z_]+/g) ?? [];
  return [...new Set(names.map((n) => n.replace(/_(bucket|count|sum)$/, '')))];
}

describe('Metrics', () => {
  const registered = new Metrics().registry.getMetricsAsArray().map((m) => m.name);

  it('names every metric in Prometheus conventions', () => {
    const ours = registered.filter((n) => !/^ainfographic_(process|nodejs)_/.test(n));
    for (const name of ours) {
      // A 0/1 gauge is named for the state it reports (`_open`), as Prometheus' own `up` is.
      expect(name).toMatch(/^ainfographic_[a-z_]+(_total|_seconds|_jobs|_open)$/);
    }
  });

  it.each(['ops/prometheus/alerts.yml', 'ops/grafana/ainfographic-dashboard.json'])(
    '%s refers only to metrics the apps export',
    (file) => {
      const referenced = referencedMetrics(file);
      expect(referenced.length).toBeGreaterThan(3);
      expect(referenced.filter((n) => !registered.includes(n))).toEqual([]);
    },
  );
});
