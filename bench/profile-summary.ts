/**
 * Where a worker's CPU goes, from the `.cpuprofile` files that
 * `npm run bench -- --cpu-prof DIR` writes (one per thread): self time by
 * area (package or our own code) and the heaviest functions, per thread.
 *
 *   node --import tsx bench/profile-summary.ts DIR [--top N]
 */
import { readdirSync, readFileSync } from 'node:fs';
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
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
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

function print(s: ThreadSummary): void {
  const pct = (x: number) => `${(x * 100).toFixed(1).padStart(5)}%`;
  console.log(`\n${s.file}: ${s.totalMs.toFixed(0)} ms sampled on this thread (idle excluded)`);
  console.log('  by area (self time):');
  for (const a of s.byArea.slice(0, 12))
    console.log(`    ${pct(a.share)}  ${a.ms.toFixed(0).padStart(7)} ms  ${a.area}`);
  console.log('  heaviest functions (self time):');
  for (const f of s.topFunctions)
    console.log(`    ${pct(f.share)}  ${f.ms.toFixed(0).padStart(7)} ms  ${f.name}  [${f.area}]`);
}

function main(): void {
  const program = new Command('profile-summary')
    .description("summarise the worker's .cpuprofile files from `npm run bench -- --cpu-prof DIR`")
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
    .parse();
  const dir = program.args[0]!;
  const { top } = program.opts<{ top: number }>();
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) {
    console.error(`no .cpuprofile files in ${dir}`);
    process.exit(1);
  }
  for (const f of files.sort()) {
    const profile = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as CpuProfile;
    print(summarise(f, profile, top));
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(__filename)) main();
