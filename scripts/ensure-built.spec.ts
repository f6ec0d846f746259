import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * ensure-built.mjs runs in a throw-away copy of a tiny project (its root is the folder above the
 * script), so the real dist/ is never touched.
 */
describe('scripts/ensure-built.mjs', () => {
  let root: string;
  const old = new Date('2026-01-01T00:00:00Z');
  const built = new Date('2026-01-02T00:00:00Z');
  const later = new Date('2026-01-03T00:00:00Z');

  const write = (path: string, text = '') => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  const touch = (path: string, when: Date) => utimesSync(join(root, path), when, when);
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [join(root, 'scripts/ensure-built.mjs'), ...args], {
      encoding: 'utf8',
    });

  /** Sets every file and folder of the project to `when`. */
  function ageAll(dir: string, when: Date) {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name !== 'node_modules') {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          ageAll(path, when);
        }
        utimesSync(path, when, when);
      }
    }
    utimesSync(dir, when, when);
  }

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'ensure-built-'));
    mkdirSync(join(root, 'scripts'));
    copyFileSync(join(__dirname, 'ensure-built.mjs'), join(root, 'scripts/ensure-built.mjs'));
    write('tsconfig.json', '{}');
    write('tsconfig.build.json', '{}');
    write('apps/api/src/main.ts');
    write('apps/api/src/main.spec.ts');
    write('apps/web/src/main.ts');
    write('libs/credits/src/index.ts');
    write('libs/credits/src/ledger.ts');
    write('dist/.sources-stamp');
    ageAll(root, old);
    touch('dist/.sources-stamp', built);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('is fresh when nothing changed since the stamp', () => {
    expect(run('--check').status).toBe(0);
  });

  it('is due without a stamp (a fresh clone, or dist/ deleted)', () => {
    rmSync(join(root, 'dist'), { recursive: true });
    expect(run('--check').status).toBe(1);
  });

  it.each(['libs/credits/src/ledger.ts', 'apps/api/src/main.ts', 'tsconfig.build.json'])(
    'is due when %s changed',
    (path) => {
      touch(path, later);
      expect(run('--check').status).toBe(1);
    },
  );

  it('is due when a source was deleted (its folder changed)', () => {
    unlinkSync(join(root, 'libs/credits/src/ledger.ts'));
    expect(run('--check').status).toBe(1);
  });

  it('ignores specs and the web page, which the CLI does not need', () => {
    touch('apps/api/src/main.spec.ts', later);
    touch('apps/web/src/main.ts', later);
    expect(run('--check').status).toBe(0);
  });

  describe('building', () => {
    // The real compilers, from this repository's node_modules, on a one-file project.
    beforeEach(() => {
      symlinkSync(join(__dirname, '..', 'node_modules'), join(root, 'node_modules'), 'dir');
      write('package.json', '{"private": true}');
      write(
        'tsconfig.build.json',
        JSON.stringify({
          compilerOptions: {
            outDir: './dist',
            rootDir: '.',
            module: 'commonjs',
            strict: true,
            types: [],
          },
          include: ['apps/**/*.ts', 'libs/**/*.ts'],
          exclude: ['**/*.spec.ts'],
        }),
      );
      write('apps/api/src/main.ts', 'export const answer: number = 42;\n');
      rmSync(join(root, 'dist'), { recursive: true });
    });

    it('compiles when due, stamps the start time, and is fresh afterwards', () => {
      const before = Date.now();
      const first = run();
      expect(first.status).toBe(0);
      expect(first.stdout).toBe('');
      expect(first.stderr).toContain('Compiling dist/');
      expect(existsSync(join(root, 'dist/apps/api/src/main.js'))).toBe(true);
      const stamped = statSync(join(root, 'dist/.sources-stamp')).mtimeMs;
      expect(stamped).toBeGreaterThanOrEqual(before - 1000);
      expect(run('--check').status).toBe(0);
      const second = run();
      expect(second.status).toBe(0);
      expect(second.stderr).toBe('');
    }, 60_000);

    it('fails with the compiler’s status and no stamp when the code does not compile', () => {
      write('apps/api/src/main.ts', 'export const answer: number = "forty-two";\n');
      const result = run();
      expect(result.status).not.toBe(0);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('TS2322');
      expect(existsSync(join(root, 'dist/.sources-stamp'))).toBe(false);
      expect(run('--check').status).toBe(1);
    }, 60_000);
  });
});
