// Compiles the TypeScript into dist/ only when dist/ is missing or older than the sources, so
// `npm run cli` and `npm run db:*` start from dist/ in well under a second instead of rebuilding
// everything (and the web page, which they do not use) on every call; a fresh clone still works
// with one command. `npm run build` remains the full build.
//   node scripts/ensure-built.mjs           build if needed (tsc + tsc-alias; output on stderr)
//   node scripts/ensure-built.mjs --check   build nothing: exit 0 when fresh, 1 when a build is due
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Written after a successful build, with the time the build *started*: a file saved while tsc ran
// is then newer than the stamp and triggers the next build.
const stamp = join(root, 'dist', '.sources-stamp');
// What tsconfig.build.json compiles; apps/web is bundled by `npm run build` alone.
const sourceDirs = ['apps', 'libs', 'scripts'];
const skipped = new Set(['apps/web', 'node_modules', 'dist']);
const configFiles = ['tsconfig.json', 'tsconfig.build.json'];

function mtimeOf(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/**
 * The newest modification time among the sources. Folders count too: deleting or renaming a
 * file changes only its folder's time. Specs are not compiled, so they do not count.
 */
function newestSourceTime() {
  let newest = Math.max(0, ...configFiles.map((f) => mtimeOf(join(root, f)) ?? 0));
  const walk = (dir) => {
    newest = Math.max(newest, mtimeOf(dir) ?? 0);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (skipped.has(relative(root, path)) || skipped.has(entry.name)) {
        continue;
      }
      if (entry.isDirectory()) {
        walk(path);
      } else if (!entry.name.endsWith('.spec.ts')) {
        newest = Math.max(newest, mtimeOf(path) ?? 0);
      }
    }
  };
  for (const dir of sourceDirs) {
    walk(join(root, dir));
  }
  return newest;
}

function isStale() {
  const built = mtimeOf(stamp);
  return built === undefined || newestSourceTime() > built;
}

/** Runs a package's bin with this Node; its stdout goes to stderr, keeping stdout for --json. */
function runBin(bin, args) {
  const script = createRequire(join(root, 'package.json')).resolve(bin);
  const result = spawnSync(process.execPath, [script, ...args], {
    cwd: root,
    stdio: ['ignore', 2, 2],
  });
  return result.status ?? 1;
}

function build() {
  const started = new Date();
  process.stderr.write('Compiling dist/ (sources changed since the last build)…\n');
  const status =
    runBin('typescript/bin/tsc', ['-p', 'tsconfig.build.json']) ||
    runBin('tsc-alias/dist/bin/index.js', ['-p', 'tsconfig.build.json']);
  if (status === 0) {
    mkdirSync(dirname(stamp), { recursive: true });
    writeFileSync(stamp, `${started.toISOString()}\n`);
    utimesSync(stamp, started, started);
  }
  return status;
}

if (process.argv.includes('--check')) {
  process.exit(isStale() ? 1 : 0);
}
process.exit(isStale() ? build() : 0);
