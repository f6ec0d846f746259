// A small reader of V8 .cpuprofile files (what `node --cpu-prof` writes): self and inclusive time
// per function, and self time per package (npm package, node internals, our code, GC, idle).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { RESULTS, ROOT, fmt, sleep, table } from './common';

/** Where profiled apps write their `.cpuprofile` files. */
export const PROFILES = join(RESULTS, 'profiles');

/** Node arguments that make an app write `<name>.cpuprofile` into PROFILES when it stops. */
export const profiledNodeArgs = (name: string): string[] => [
  '--cpu-prof',
  `--cpu-prof-dir=${PROFILES}`,
  `--cpu-prof-name=${name}.cpuprofile`,
  '-r',
  join(ROOT, 'dist', 'bench', 'lib', 'exit-on-signal.js'),
];

/** A profile is written after the app has stopped; wait for it. */
export async function waitForFile(file: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(file)) {
    if (Date.now() > deadline) {
      throw new Error(`${file} was not written`);
    }
    await sleep(200);
  }
  await sleep(500);
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionCost {
  function: string;
  where: string;
  package: string;
  selfMs: number;
  selfPct: number;
  totalMs: number;
  totalPct: number;
}

export interface ProfileSummary {
  file: string;
  wallMs: number;
  sampledMs: number;
  busyPct: number;
  topSelf: FunctionCost[];
  topTotal: FunctionCost[];
  packages: { package: string; selfMs: number; selfPct: number }[];
}

/** Which package (or part of node, or of our code) a script URL belongs to. */
export function packageOf(url: string, functionName: string): string {
  if (
    functionName === '(garbage collector)' ||
    functionName === '(idle)' ||
    functionName === '(program)'
  ) {
    return functionName;
  }
  if (url === '') {
    return '(native/builtin)';
  }
  if (url.startsWith('node:')) {
    return 'node internals';
  }
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) {
    return modules[1];
  }
  const ours = /\/dist\/(apps\/[^/]+|libs\/[^/]+)/.exec(url);
  return ours ? `ours: ${ours[1]}` : url;
}

/** `skipMs`: leave out the first milliseconds of the profile (the app's start-up). */
export function summariseProfile(file: string, skipMs = 0, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let elapsed = 0;
  let skipped = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    // timeDeltas[i] is the time elapsed before sample i; attribute it to that sample.
    const us = profile.timeDeltas[i] ?? 0;
    elapsed += us;
    if (elapsed < skipMs * 1000) {
      skipped += us;
      continue;
    }
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + us);
  }
  const keyOf = (n: ProfileNode): string =>
    `${n.callFrame.functionName || '(anonymous)'}\t${n.callFrame.url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules|dist)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;

  const selfByKey = new Map<string, number>();
  const totalByKey = new Map<string, number>();
  const pkgByKey = new Map<string, string>();
  const selfByPackage = new Map<string, number>();
  let idle = 0;
  // Inclusive time: a depth-first walk; a function already on the stack (recursion) counts once.
  const root = profile.nodes[0];
  const inclusive = new Map<number, number>();
  const order: ProfileNode[] = [];
  const stack = [root];
  while (stack.length) {
    const n = stack.pop() as ProfileNode;
    order.push(n);
    for (const c of n.children ?? []) {
      stack.push(byId.get(c) as ProfileNode);
    }
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i];
    let sum = self.get(n.id) ?? 0;
    for (const c of n.children ?? []) {
      sum += inclusive.get(c) ?? 0;
    }
    inclusive.set(n.id, sum);
  }
  const walk = (n: ProfileNode, onStack: Set<string>): void => {
    const key = keyOf(n);
    const pkg = packageOf(n.callFrame.url, n.callFrame.functionName);
    pkgByKey.set(key, pkg);
    const s = self.get(n.id) ?? 0;
    selfByKey.set(key, (selfByKey.get(key) ?? 0) + s);
    selfByPackage.set(pkg, (selfByPackage.get(pkg) ?? 0) + s);
    if (n.callFrame.functionName === '(idle)') {
      idle += s;
    }
    const fresh = !onStack.has(key);
    if (fresh) {
      totalByKey.set(key, (totalByKey.get(key) ?? 0) + (inclusive.get(n.id) ?? 0));
      onStack.add(key);
    }
    for (const c of n.children ?? []) {
      walk(byId.get(c) as ProfileNode, onStack);
    }
    if (fresh) {
      onStack.delete(key);
    }
  };
  walk(root, new Set());

  const sampled = [...self.values()].reduce((a, b) => a + b, 0);
  const busy = sampled - idle;
  const cost = (key: string): FunctionCost => {
    const [fn, where] = key.split('\t');
    const s = selfByKey.get(key) ?? 0;
    const t = totalByKey.get(key) ?? 0;
    return {
      function: fn,
      where,
      package: pkgByKey.get(key) ?? '',
      selfMs: s / 1000,
      selfPct: (100 * s) / busy,
      totalMs: t / 1000,
      totalPct: (100 * t) / busy,
    };
  };
  const skip = new Set(['(idle)', '(root)', '(program)']);
  const keys = [...selfByKey.keys()].filter((k) => !skip.has(k.split('\t')[0]));
  return {
    file,
    wallMs: (profile.endTime - profile.startTime - skipped) / 1000,
    sampledMs: sampled / 1000,
    busyPct: (100 * busy) / sampled,
    topSelf: keys
      .sort((a, b) => (selfByKey.get(b) ?? 0) - (selfByKey.get(a) ?? 0))
      .slice(0, top)
      .map(cost),
    topTotal: keys
      // Our functions, without module bodies (start-up) and anonymous wrappers.
      .filter((k) => /ours: /.test(pkgByKey.get(k) ?? '') && !k.startsWith('(anonymous)'))
      .sort((a, b) => (totalByKey.get(b) ?? 0) - (totalByKey.get(a) ?? 0))
      .slice(0, 15)
      .map(cost),
    packages: [...selfByPackage.entries()]
      .filter(([p]) => p !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([p, us]) => ({ package: p, selfMs: us / 1000, selfPct: (100 * us) / busy })),
  };
}

/** A summary as markdown tables. */
export function renderProfile(name: string, s: ProfileSummary): string {
  const short = (w: string): string => (w.length > 60 ? `…${w.slice(-59)}` : w);
  return [
    `### ${name}: ${fmt(s.wallMs / 1000)} s profiled, on CPU ${fmt(s.busyPct)} % of it`,
    '',
    table(
      'Top self time (share of on-CPU time)',
      s.topSelf.map((f) => ({
        function: f.function,
        where: short(f.where),
        'self ms': f.selfMs,
        'self %': f.selfPct,
      })),
    ),
    table(
      'Our functions by inclusive time',
      s.topTotal.map((f) => ({
        function: f.function,
        where: short(f.where),
        'total ms': f.totalMs,
        'total %': f.totalPct,
      })),
    ),
    table(
      'Self time per package',
      s.packages.map((p) => ({ package: p.package, 'self ms': p.selfMs, 'self %': p.selfPct })),
    ),
  ].join('\n');
}
