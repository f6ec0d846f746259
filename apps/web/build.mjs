// Bundles the page into dist/web: app-<hash>.js and styles-<hash>.css (minified, content-hashed
// so the api can let browsers cache them for good), index.html pointing at them, the favicon, the
// web app manifest, and the service worker as sw.js (never hashed: its URL is its identity).
// Usage: node apps/web/build.mjs [--outdir <dir>]
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const flag = process.argv.indexOf('--outdir');
const outdir = flag > 0 ? process.argv[flag + 1] : join(root, 'dist', 'web');

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: { app: join(here, 'src', 'main.ts'), styles: join(here, 'styles.css') },
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2020', 'chrome105', 'firefox110', 'safari16'],
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  loader: { '.svg': 'file' },
  outdir,
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});

/** The hashed output name of each entry point, e.g. { app: 'app-3KQ5ZJ2M.js' }. */
const outputs = {};
for (const [file, meta] of Object.entries(result.metafile.outputs)) {
  if (meta.entryPoint) {
    outputs[meta.entryPoint.endsWith('.ts') ? 'app' : 'styles'] = basename(file);
  }
}
if (!outputs.app || !outputs.styles) {
  throw new Error(`esbuild did not produce both bundles: ${JSON.stringify(outputs)}`);
}

const html = await readFile(join(here, 'index.html'), 'utf8');
const page = html
  .replace('href="/styles.css"', `href="/${outputs.styles}"`)
  .replace('src="/app.js"', `src="/${outputs.app}"`);
if (page === html || !page.includes(outputs.app) || !page.includes(outputs.styles)) {
  throw new Error('index.html must reference /styles.css and /app.js');
}
await writeFile(join(outdir, 'index.html'), page);
await copyFile(join(here, 'favicon.svg'), join(outdir, 'favicon.svg'));
await copyFile(join(here, 'manifest.webmanifest'), join(outdir, 'manifest.webmanifest'));

// The service worker: its own bundle, a classic script (every browser with push runs those).
const worker = await build({
  absWorkingDir: root,
  entryPoints: [join(here, 'src', 'sw.ts')],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020', 'chrome105', 'firefox110', 'safari16'],
  outfile: join(outdir, 'sw.js'),
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});
Object.assign(result.metafile.outputs, worker.metafile.outputs);

const sizes = await Promise.all(
  Object.keys(result.metafile.outputs).map(
    async (file) => `${basename(file)} ${(await readFile(join(root, file))).length} B`,
  ),
);
console.log(`web page built into ${relative(process.cwd(), outdir) || '.'}: ${sizes.join(', ')}`);
