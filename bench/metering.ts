// CPU seconds and peak RSS of the processes a benchmark run involves, from /proc.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { dataDir } from '../src/config';

export interface ProcUsage {
  name: string;
  cpuSeconds: number;
  peakRssMb: number;
}

const CLK_TCK = 100;
const SELF = 'bench (this process)';

/** CPU seconds (user+system) and lifetime peak RSS of a live process, from /proc. */
function usage(pid: number | undefined): { cpu: number; rssMb: number } | null {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpu = (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return { cpu, rssMb: hwm ? Number(hwm[1]) / 1024 : 0 };
  } catch {
    return null;
  }
}

function serverPids(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of ['temporal', 'kafka', 'mysql']) {
    try {
      out[name] = Number(readFileSync(path.join(dataDir(), `${name}.pid`), 'utf8').trim());
    } catch {
      // an external server (e.g. an existing MySQL): not measured
    }
  }
  return out;
}

/**
 * Starts measuring the CPU our children, the local servers and this process
 * use; the returned function stops and reports it.
 */
export function meter(children: Record<string, ChildProcess>): () => ProcUsage[] {
  const servers = serverPids();
  const before = new Map<string, number>();
  for (const [name, pid] of Object.entries(servers)) before.set(name, usage(pid)?.cpu ?? 0);
  for (const [name, c] of Object.entries(children)) before.set(name, usage(c.pid)?.cpu ?? 0);
  before.set(SELF, process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6);
  return (): ProcUsage[] => {
    const rows: ProcUsage[] = [];
    for (const [name, c] of Object.entries(children)) {
      const u = usage(c.pid);
      if (u) rows.push({ name, cpuSeconds: u.cpu - (before.get(name) ?? 0), peakRssMb: u.rssMb });
    }
    for (const [name, pid] of Object.entries(servers)) {
      const u = usage(pid);
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
