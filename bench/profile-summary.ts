/**
 * Where ordersync's CPU goes, from the `.cpuprofile` files that
 * `npm run bench -- --cpu-prof DIR` writes (a directory per process, a file
 * per thread): self time by area (package or our own code) and the heaviest
 * functions, per thread.
 * On the workflow thread it also says who pays for the SDK's promise hook
 * (a stack trace captured and source-mapped for every promise a workflow
 * creates): the hook's inclusive time, split by the workflow-bundle module
 * and function that created each promise.
 *
 *   node --import tsx bench/profile-summary.ts DIR [--top N] [--phase LABELS]
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  /** When sampling began, in µs on the monotonic clock (process.hrtime's). */
  startTime: number;
  samples: number[];
  /** Per sample, the µs since the one before (the first: since startTime). */
  timeDeltas: number[];
}

/** The file, in the `--cpu-prof` directory, that holds the bench's metered windows. */
export const WINDOWS_FILE = 'metered-windows.json';

/** A window of the monotonic clock in µs, as bench/metering.ts records them. */
export interface Window {
  label: string;
  startUs: number;
  endUs: number;
}

/**
 * The profile with only the samples taken inside one of `windows`: the bench's
 * metered windows, so start-up (module loading, connecting) and the gaps
 * between phases drop out, and what is left is what the bench's CPU figures
 * count. Sample time is startTime plus the running sum of the deltas.
 */
export function cutToWindows(profile: CpuProfile, windows: readonly Window[]): CpuProfile {
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (windows.some((w) => at >= w.startUs && at <= w.endUs)) {
      samples.push(id);
      timeDeltas.push(delta);
    }
  });
  return { ...profile, samples, timeDeltas };
}

/** The package a frame belongs to, "ordersync" for our own files, or a V8/Node category. */
export function areaOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === '') {
    if (functionName === '(garbage collector)') return 'gc';
    if (functionName === '(idle)' || functionName === '(program)') return functionName;
    return 'native';
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return 'node';
  // Scripts the SDK evaluates inside the workflow context to enter it.
  if (url.startsWith('evalmachine.') || url.startsWith('wasm')) return 'workflow context glue';
  // The workflow bundle's frames carry the bundle's path; the SDK's workflow runtime is in it.
  // (dist/workflow-bundle.js when prebuilt, workflow-bundle-<hash>.js when bundled at start).
  if (/workflow-bundle(-[^/]*)?\.js$/.test(url)) return 'workflow bundle';
  return 'ordersync';
}

export interface ThreadSummary {
  file: string;
  totalMs: number;
  byArea: Array<{ area: string; ms: number; share: number }>;
  topFunctions: Array<{ name: string; area: string; ms: number; share: number }>;
}

export function summarise(file: string, profile: CpuProfile, top: number): ThreadSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const areas = new Map<string, number>();
  const fns = new Map<string, { area: string; us: number }>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame || frame.functionName === '(idle)') continue;
    total += us;
    const area = areaOf(frame);
    areas.set(area, (areas.get(area) ?? 0) + us);
    const name = `${frame.functionName || '(anonymous)'} ${path.basename(frame.url)}:${frame.lineNumber + 1}`;
    const f = fns.get(name) ?? { area, us: 0 };
    f.us += us;
    fns.set(name, f);
  }
  const share = (us: number) => (total === 0 ? 0 : us / total);
  return {
    file,
    totalMs: total / 1000,
    byArea: [...areas]
      .sort((a, b) => b[1] - a[1])
      .map(([area, us]) => ({ area, ms: us / 1000, share: share(us) })),
    topFunctions: [...fns]
      .sort((a, b) => b[1].us - a[1].us)
      .slice(0, top)
      .map(([name, f]) => ({ name, area: f.area, ms: f.us / 1000, share: share(f.us) })),
  };
}

/**
 * Which module of a webpack development bundle (the SDK's bundler builds one)
 * each line belongs to: modules start at a line `/***\/ "<module id>"`.
 */
export function bundleModuleIndex(code: string): (line: number) => string {
  const starts: Array<{ line: number; id: string }> = [];
  code.split('\n').forEach((text, line) => {
    const m = /^\/\*{3}\/ "(.+)":?$/.exec(text);
    if (m) starts.push({ line, id: m[1]! });
  });
  return (line) => {
    let lo = 0;
    let hi = starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]!.line <= line) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? '(bundle runtime)' : starts[found]!.id;
  };
}

export interface PromiseHookSummary {
  /** Inclusive time in the SDK's promise `init` hook, and its share of the thread. */
  ms: number;
  share: number;
  /** The hook's time by the first frame of our own code (not node_modules) that created the promise. */
  byOwnCode: Array<{ frame: string; ms: number; share: number }>;
  /** The hook's time by the bundle function that created the promise (SDK or ours). */
  byCreator: Array<{ frame: string; ms: number; share: number }>;
}

const isHookEntry = (f: CallFrame) =>
  (f.functionName === 'initAll' && f.url === 'node:internal/promise_hooks') ||
  (f.functionName === 'init' && f.url.endsWith('/vm-shared.js'));

/**
 * The inclusive cost of the SDK's promise hook on a workflow thread, split by
 * who created each promise. `moduleOf` names the bundle module of a bundle
 * line; null when the profile has no workflow-bundle frames.
 */
export function promiseHookCost(
  profile: CpuProfile,
  moduleOf: (url: string, line: number) => string | null,
  top: number,
): PromiseHookSummary | null {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n: ProfileNode, mod: string) =>
    `${n.callFrame.functionName || '(anonymous)'} ${mod}:${n.callFrame.lineNumber + 1}`;
  /** [creator, own code] for a sample inside the hook, null outside it; memoised per node. */
  const memo = new Map<number, [string, string] | null>();
  const attribute = (id: number): [string, string] | null => {
    if (memo.has(id)) return memo.get(id)!;
    let entry: number | undefined;
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at))
      if (isHookEntry(byId.get(at)!.callFrame)) entry = at;
    let result: [string, string] | null = null;
    if (entry !== undefined) {
      let creator = '(no bundle frame)';
      let own = '(SDK only)';
      for (let at = parent.get(entry); at !== undefined; at = parent.get(at)) {
        const n = byId.get(at)!;
        const mod = moduleOf(n.callFrame.url, n.callFrame.lineNumber);
        if (mod === null) continue;
        if (creator === '(no bundle frame)') creator = label(n, mod);
        if (!mod.includes('node_modules') && !mod.startsWith('(')) {
          own = label(n, mod);
          break;
        }
      }
      result = [creator, own];
    }
    memo.set(id, result);
    return result;
  };
  let total = 0;
  let hook = 0;
  const creators = new Map<string, number>();
  const owners = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    if (byId.get(id)?.callFrame.functionName === '(idle)') return;
    total += us;
    const a = attribute(id);
    if (!a) return;
    hook += us;
    creators.set(a[0], (creators.get(a[0]) ?? 0) + us);
    owners.set(a[1], (owners.get(a[1]) ?? 0) + us);
  });
  if (hook === 0) return null;
  const rank = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([frame, us]) => ({ frame, ms: us / 1000, share: us / hook }));
  return {
    ms: hook / 1000,
    share: hook / total,
    byOwnCode: rank(owners),
    byCreator: rank(creators),
  };
}

/** Bundle module lookups for a profile, from the bundle files its frames name (read once each). */
function bundleModuleLookup(): (url: string, line: number) => string | null {
  const indexes = new Map<string, ((line: number) => string) | null>();
  return (url, line) => {
    if (!/workflow-bundle(-[^/]*)?\.js$/.test(url)) return null;
    if (!indexes.has(url)) {
      const file = url.startsWith('file://') ? new URL(url).pathname : url;
      indexes.set(url, existsSync(file) ? bundleModuleIndex(readFileSync(file, 'utf8')) : null);
    }
    // Without the bundle file the module is unknown: a "(…)" label never counts as our own code.
    return indexes.get(url)?.(line) ?? `(bundle ${path.basename(url)})`;
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1).padStart(5)}%`;

function printHook(h: PromiseHookSummary): void {
  console.log(
    `  the SDK's promise hook (inclusive): ${h.ms.toFixed(0)} ms, ${pct(h.share).trim()} of this thread`,
  );
  console.log('    by our code that created the promise (share of the hook):');
  for (const f of h.byOwnCode)
    console.log(`      ${pct(f.share)}  ${f.ms.toFixed(0).padStart(7)} ms  ${f.frame}`);
  console.log('    by the bundle function that created it:');
  for (const f of h.byCreator)
    console.log(`      ${pct(f.share)}  ${f.ms.toFixed(0).padStart(7)} ms  ${f.frame}`);
}

function print(s: ThreadSummary): void {
  console.log(`\n${s.file}: ${s.totalMs.toFixed(0)} ms sampled on this thread (idle excluded)`);
  console.log('  by area (self time):');
  for (const a of s.byArea.slice(0, 12))
    console.log(`    ${pct(a.share)}  ${a.ms.toFixed(0).padStart(7)} ms  ${a.area}`);
  console.log('  heaviest functions (self time):');
  for (const f of s.topFunctions)
    console.log(`    ${pct(f.share)}  ${f.ms.toFixed(0).padStart(7)} ms  ${f.name}  [${f.area}]`);
}

/**
 * The metered windows `npm run bench -- --cpu-prof DIR` wrote, those with the
 * given labels (comma-separated): from DIR, or from its parent when DIR is one
 * process's sub-directory (DIR/worker-1). Throws, naming the labels the file
 * has, when one is unknown.
 */
export function phaseWindows(dir: string, labels: string): Window[] {
  const file = [dir, path.dirname(path.resolve(dir))]
    .map((d) => path.join(d, WINDOWS_FILE))
    .find((f) => existsSync(f));
  if (!file)
    throw new Error(
      `no ${WINDOWS_FILE} in ${dir} or its parent: npm run bench -- --cpu-prof DIR writes it in DIR`,
    );
  const all = JSON.parse(readFileSync(file, 'utf8')) as Window[];
  const wanted = labels.split(',').map((l) => l.trim());
  const unknown = wanted.filter((l) => !all.some((w) => w.label === l));
  if (unknown.length > 0) {
    const known = [...new Set(all.map((w) => w.label))].join(', ');
    throw new Error(
      `no metered window labelled ${unknown.join(', ')} in ${file}; it has: ${known}`,
    );
  }
  return all.filter((w) => wanted.includes(w.label));
}

function main(): void {
  const program = new Command('profile-summary')
    .description(
      'summarise the .cpuprofile files that `npm run bench -- --cpu-prof DIR` writes (worker and consumer)',
    )
    .argument('<dir>', 'directory holding .cpuprofile files')
    .option(
      '--top <n>',
      'functions to list per thread',
      (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a positive integer');
        return n;
      },
      15,
    )
    .option(
      '--phase <labels>',
      `only the samples inside the bench's metered windows with these labels, comma-separated (from DIR/${WINDOWS_FILE}; e.g. "spread,pipeline floor (spread shape)")`,
    )
    .parse();
  const dir = program.args[0]!;
  const { top, phase } = program.opts<{ top: number; phase?: string }>();
  let windows: Window[] | null = null;
  try {
    windows = phase === undefined ? null : phaseWindows(dir, phase);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
  // `npm run bench -- --cpu-prof DIR` writes one sub-directory per process (worker-1, consumer-1).
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) =>
    f.endsWith('.cpuprofile'),
  );
  if (files.length === 0) {
    console.error(`no .cpuprofile files in ${dir}`);
    process.exit(1);
  }
  const moduleOf = bundleModuleLookup();
  for (const f of files.sort()) {
    const whole = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as CpuProfile;
    const profile = windows ? cutToWindows(whole, windows) : whole;
    print(summarise(f, profile, top));
    const hook = promiseHookCost(profile, moduleOf, top);
    if (hook) printHook(hook);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(__filename)) main();
