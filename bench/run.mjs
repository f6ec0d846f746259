// Bench runner: bundles bench/*.ts with esbuild into dist/bench (npm packages stay external) and
// runs the scenarios one after the other. `npm run build` must have compiled the apps first.
// After each scenario that succeeded, its table in bench/README.md is re-rendered from its results
// file (bench/report.mjs; `--no-readme` leaves the README alone).
//   node bench/run.mjs [all|http|pipeline|topology|soak|profile|fairness ...] [--quick] [--no-readme] [scenario flags]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

import { renderReadme } from './report.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SCENARIOS = ['http', 'pipeline', 'topology', 'soak', 'profile', 'fairness'];

const argv = process.argv.slice(2);
const named = argv.filter((a) => SCENARIOS.includes(a) || a === 'all');
const readme = !argv.includes('--no-readme');
const flags = argv.filter((a) => !named.includes(a) && a !== '--no-readme');
const chosen = named.length === 0 || named.includes('all') ? SCENARIOS : named;

if (!existsSync(join(root, 'dist', 'apps', 'api', 'src', 'main.js'))) {
  console.error('dist/ is missing: run `npm run build` first (npm run bench does).');
  process.exit(1);
}

await build({
  entryPoints: [
    ...SCENARIOS.map((s) => join(root, 'bench', `${s}.ts`)),
    join(root, 'bench', 'lib', 'baseline-server.ts'),
    join(root, 'bench', 'lib', 'exit-on-signal.ts'),
  ].filter((f) => existsSync(f)),
  outdir: join(root, 'dist', 'bench'),
  outbase: join(root, 'bench'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});

const started = Date.now();
let failed = 0;
for (const scenario of chosen) {
  console.log(`\n=== ${scenario} ${flags.join(' ')}`);
  const run = spawnSync(
    process.execPath,
    ['--enable-source-maps', join(root, 'dist', 'bench', `${scenario}.js`), ...flags],
    { stdio: 'inherit', cwd: root },
  );
  if (run.status !== 0) {
    failed++;
    console.error(`=== ${scenario} failed (exit ${run.status ?? run.signal})`);
  } else if (readme) {
    try {
      if (renderReadme([scenario]).length > 0) {
        console.log(`=== bench/README.md: ${scenario} table re-rendered from bench/results/`);
      }
    } catch (error) {
      failed++;
      console.error(`=== bench/README.md not rendered: ${error.message}`);
    }
  }
}
console.log(
  `\n=== ${chosen.length - failed}/${chosen.length} scenarios done in ${Math.round((Date.now() - started) / 1000)} s; results in bench/results/`,
);
process.exit(failed ? 1 : 0);
