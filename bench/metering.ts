// CPU seconds and peak RSS of the processes a benchmark run involves, from /proc.
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { dataDir } from '../src/config';
import type { Window } from './profile-summary';

export interface ProcUsage {
  name: string;
  cpuSeconds: number;
  peakRssMb: number;
}

const CLK_TCK = 100;
const SELF = 'bench (this process)';

function stat(pid: number): string[] {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** The live children of `pid`, from /proc. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (Number(stat(Number(entry))[1]) === pid) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/**
 * CPU seconds (user+system) and lifetime peak RSS of a live process, from
 * /proc. With `tree`, a server that forks a process per connection
 * (PostgreSQL): its reaped children's CPU and its live children's are added.
 */
function usage(pid: number | undefined, tree = false): { cpu: number; rssMb: number } | null {
  if (!pid) return null;
  try {
    const fields = stat(pid);
    let ticks = Number(fields[11]) + Number(fields[12]);
    if (tree) {
      ticks += Number(fields[13]) + Number(fields[14]);
      for (const child of childrenOf(pid)) {
        try {
          const f = stat(child);
          ticks += Number(f[11]) + Number(f[12]);
        } catch {
          // exited meanwhile; its CPU is now in the parent's
        }
      }
    }
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return { cpu: ticks / CLK_TCK, rssMb: hwm ? Number(hwm[1]) / 1024 : 0 };
  } catch {
    return null;
  }
}

/** Server label → pid file in the data directory; "kafka 2" groups with "kafka" in the per-process figures. */
const SERVERS: Record<string, string> = {
  temporal: 'temporal',
  kafka: 'kafka',
  'kafka 2': 'kafka-2',
  'kafka 3': 'kafka-3',
  mysql: 'mysql',
  postgres: 'postgres',
};

function serverPids(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, file] of Object.entries(SERVERS)) {
    try {
      out[name] = Number(readFileSync(path.join(dataDir(), `${file}.pid`), 'utf8').trim());
    } catch {
      // an external server (e.g. an existing MySQL), or one this topology has not: not measured
    }
  }
  return out;
}

/** Every labelled window metered in this process, in order (`--cpu-prof` writes them beside the profiles). */
export const meteredWindows: Window[] = [];

// The monotonic clock in µs: the clock of V8's `.cpuprofile` timestamps.
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/**
 * Starts measuring the CPU our children, the local servers and this process
 * use; the returned function stops and reports it. With a `label`, the window
 * is kept in `meteredWindows`, so a profile can be cut to it.
 */
export function meter(children: Record<string, ChildProcess>, label?: string): () => ProcUsage[] {
  const startUs = monotonicUs();
  // One window per meter: a phase that reads the meter more than once (the
  // --erp phase, each time the ledger grows) moves its window's end.
  let window: Window | undefined;
  const servers = serverPids();
  const before = new Map<string, number>();
  for (const [name, pid] of Object.entries(servers))
    before.set(name, usage(pid, name === 'postgres')?.cpu ?? 0);
  for (const [name, c] of Object.entries(children)) before.set(name, usage(c.pid)?.cpu ?? 0);
  before.set(SELF, process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6);
  return (): ProcUsage[] => {
    if (label && window) window.endUs = monotonicUs();
    else if (label) meteredWindows.push((window = { label, startUs, endUs: monotonicUs() }));
    const rows: ProcUsage[] = [];
    for (const [name, c] of Object.entries(children)) {
      const u = usage(c.pid);
      if (u) rows.push({ name, cpuSeconds: u.cpu - (before.get(name) ?? 0), peakRssMb: u.rssMb });
    }
    for (const [name, pid] of Object.entries(servers)) {
      const u = usage(pid, name === 'postgres');
      if (u)
        rows.push({
          name: `${name} server`,
          cpuSeconds: u.cpu - (before.get(name) ?? 0),
          peakRssMb: u.rssMb,
        });
    }
    const self = process.cpuUsage();
    rows.push({
      name: SELF,
      cpuSeconds: (self.user + self.system) / 1e6 - (before.get(SELF) ?? 0),
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    });
    return rows.map((r) => ({
      ...r,
      cpuSeconds: Math.round(r.cpuSeconds * 100) / 100,
      peakRssMb: Math.round(r.peakRssMb),
    }));
  };
}
