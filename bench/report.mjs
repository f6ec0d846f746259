// Renders the figures tables in bench/README.md from the results files, so the README cannot drift
// from a run: each table sits between `<!-- bench:<scenario>:start -->` and
// `<!-- bench:<scenario>:end -->` and is replaced whole from `bench/results/<scenario>.json`.
// bench/run.mjs calls this after each scenario it ran (unless `--no-readme`); by hand:
//   node bench/report.mjs [http ...]     write the tables (default: every scenario with a renderer)
//   node bench/report.mjs --check        exit 1 if a table differs from its results file
// bench/results/ is git-ignored: the README holds the committed copy of the last rendered run.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const README = join(root, 'bench', 'README.md');
const RESULTS = join(root, 'bench', 'results');

const num = (n, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : String(n);
const ms = (n) => `${num(n)} ms`;

/** A markdown table with right-aligned numeric columns (prettier's layout, so lint leaves it be). */
function markdownTable(columns, rows) {
  const cells = rows.map((row) => columns.map((c) => String(row[c.key])));
  const widths = columns.map((c, i) =>
    Math.max(c.title.length, 3, ...cells.map((row) => row[i].length)),
  );
  const line = (values) =>
    `| ${values.map((v, i) => (columns[i].right ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (columns[i].right ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(columns.map((c) => c.title)), rule, ...cells.map(line)].join('\n');
}

/** Words to lines of at most 100 characters (prettier keeps prose as written). */
function wrap(text, width = 100) {
  const lines = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  return [...lines, line].join('\n');
}

const RENDERERS = {
  http(result) {
    const columns = [
      { key: 'endpoint', title: 'endpoint' },
      { key: 'baseline', title: 'baseline' },
      { key: 'conns', title: 'conns', right: true },
      { key: 'baseRps', title: 'base req/s', right: true },
      { key: 'prodRps', title: 'prod req/s', right: true },
      { key: 'ratio', title: 'ratio', right: true },
      { key: 'baseP50', title: 'base p50', right: true },
      { key: 'prodP50', title: 'prod p50', right: true },
      { key: 'baseP99', title: 'base p99', right: true },
      { key: 'prodP99', title: 'prod p99', right: true },
      { key: 'p99Ratio', title: 'p99 ratio', right: true },
      { key: 'baseCpu', title: 'base cpu', right: true },
      { key: 'prodCpu', title: 'prod cpu', right: true },
      { key: 'basePg', title: 'base pg', right: true },
      { key: 'prodPg', title: 'prod pg', right: true },
      { key: 'failed', title: 'non-2xx base / prod', right: true },
    ];
    const rows = result.summary.map((r) => ({
      endpoint: r.endpoint,
      // Results written before the second baseline existed have no `baseline` column.
      baseline: r.baseline ?? 'old, unprepared',
      conns: r.conns,
      baseRps: num(r['base req/s']),
      prodRps: num(r['prod req/s']),
      ratio: num(r['ratio req/s'], 2),
      baseP50: ms(r['base p50']),
      prodP50: ms(r['prod p50']),
      baseP99: ms(r['base p99']),
      prodP99: ms(r['prod p99']),
      p99Ratio: num(r['ratio p99'], 2),
      baseCpu: num(r['base cpu µs/req']),
      prodCpu: num(r['prod cpu µs/req']),
      basePg: num(r['base pg µs/req']),
      prodPg: num(r['prod pg µs/req']),
      failed: `${r['base non2xx']} / ${r['prod non2xx']}`,
    }));
    const m = result.machine ?? {};
    const v = result.versions ?? {};
    const load = (l) => (Array.isArray(l) ? l.join(' / ') : 'not recorded');
    const command = `node bench/run.mjs http${result.quick ? ' --quick' : ''}`;
    const caption =
      `\`${command}\` (${result.duration} s per cell), ${result.at}; ${m.cores} × ${m.cpu}, ` +
      `Node ${m.node}, PostgreSQL ${v.postgres}, Redis ${v.redis}; load average before the run ` +
      `${load(result.loadAverageAtStart)}, at its end ${load(m.loadAverage)}. "prepared, 1 stmt": ` +
      `the baseline runs the product's own statement, prepared; "old, unprepared": the earlier ` +
      `baseline (create: BEGIN, three statements, COMMIT; webhook: one UPDATE, no delivery ` +
      `record). CPU columns in µs per request (the server under test; Postgres meanwhile). ` +
      `Rendered by \`node bench/report.mjs\` from \`bench/results/http.json\`: do not edit by hand.`;
    return [wrap(caption), '', markdownTable(columns, rows)].join('\n');
  },

  fairness(result) {
    const keys = Object.keys(result.summary[0] ?? {});
    const columns = keys.map((key, i) => ({ key, title: key, right: i >= 2 }));
    const rows = result.summary.map((r) =>
      Object.fromEntries(keys.map((k) => [k, typeof r[k] === 'number' ? num(r[k]) : r[k]])),
    );
    const m = result.machine ?? {};
    const caption =
      `\`node bench/run.mjs fairness${result.heavy === 400 ? '' : ` --heavy ${result.heavy}`}\`, ` +
      `${result.at}; ${m.cores} × ${m.cpu}, Node ${m.node}; load average at the end ` +
      `${Array.isArray(m.loadAverage) ? m.loadAverage.join(' / ') : 'not recorded'}. fal account ` +
      `limit ${result.limit}, fal latency × ${result.scale}; one user creates ${result.heavy} at ` +
      `once, then ${result.lightUsers} light users one each. Rendered by \`node bench/report.mjs\` ` +
      `from \`bench/results/fairness.json\`: do not edit by hand.`;
    return [wrap(caption), '', markdownTable(columns, rows)].join('\n');
  },
};

/** Re-renders the README tables of `scenarios`; returns the ones that changed (or would). */
export function renderReadme(scenarios = Object.keys(RENDERERS), { check = false } = {}) {
  let readme = readFileSync(README, 'utf8');
  const changed = [];
  for (const scenario of scenarios) {
    const render = RENDERERS[scenario];
    if (!render) {
      continue; // no table for this scenario yet
    }
    const file = join(RESULTS, `${scenario}.json`);
    if (!existsSync(file)) {
      throw new Error(`${file} is missing: run \`node bench/run.mjs ${scenario}\` first`);
    }
    const start = `<!-- bench:${scenario}:start -->`;
    const end = `<!-- bench:${scenario}:end -->`;
    // Markers count only on a line of their own (prose may name them).
    const from = readme.indexOf(`\n${start}\n`) + 1;
    const to = readme.indexOf(`\n${end}\n`) + 1;
    if (from === 0 || to < from) {
      throw new Error(`bench/README.md has no ${start} … ${end} markers`);
    }
    const body = `${start}\n\n${render(JSON.parse(readFileSync(file, 'utf8')))}\n\n`;
    if (readme.slice(from, to) !== body) {
      changed.push(scenario);
      readme = readme.slice(0, from) + body + readme.slice(to);
    }
  }
  if (!check && changed.length > 0) {
    writeFileSync(README, readme);
  }
  return changed;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2);
  const check = argv.includes('--check');
  const named = argv.filter((a) => !a.startsWith('--'));
  const changed = renderReadme(named.length > 0 ? named : undefined, { check });
  if (check && changed.length > 0) {
    console.error(`bench/README.md differs from bench/results/ for: ${changed.join(', ')}`);
    process.exit(1);
  }
  console.log(
    changed.length > 0
      ? `bench/README.md: ${check ? 'would re-render' : 're-rendered'} ${changed.join(', ')}`
      : 'bench/README.md: up to date',
  );
}
