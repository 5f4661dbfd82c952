// Types and small helpers shared by the benchmark's systems and its report.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import { InvalidArgumentError } from 'commander';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { Config } from '../src/config';
import { createDataConverter } from '../src/temporal/data-converter';
import { fromSqlDateTime } from '../src/db/time';
import type { ProcUsage } from './metering';

export interface SystemResult {
  events: number;
  wallSeconds: number;
  eventsPerSec: number;
  p50LagMs: number | null;
  p95LagMs: number | null;
  p99LagMs: number | null;
  lagFrom: string;
  violations: number;
  lost: number;
  duplicates: number;
  actionsPerEvent: number | null;
  actionsCounted: string;
  processes: ProcUsage[];
}

/** CPU milliseconds per event of each process (group) during one measured phase. */
export type CpuMsPerEvent = Record<string, number>;

/** Billable history events per event, by kind, over the sampled orders (see actionsPerEvent). */
export type ActionBreakdown = Record<string, number>;

export interface OrdersyncResult extends SystemResult {
  cpuMsPerEvent: CpuMsPerEvent;
  actionsByKind: ActionBreakdown;
  /** Events per hand-over (signal) over the sampled orders. */
  eventsPerHandover: number | null;
}

export interface SteadyResult {
  rate: number;
  durationS: number;
  events: number;
  eventsPerSec: number;
  p50LagMs: number;
  p95LagMs: number;
  p99LagMs: number;
  pollIntervalMs: number;
  actionsPerEvent: number | null;
  cpuMsPerEvent: CpuMsPerEvent;
  violations: number;
  lost: number;
  duplicates: number;
}

export interface SpreadResult {
  events: number;
  eventGapMs: number;
  offeredRate: number;
  eventsPerSec: number;
  actionsPerEvent: number | null;
  actionsByKind: ActionBreakdown;
  eventsPerHandover: number | null;
  p50LagMs: number;
  p99LagMs: number;
  cpuMsPerEvent: CpuMsPerEvent;
  violations: number;
  lost: number;
  duplicates: number;
  /** The pipeline floor on the same events, produced as the ERP wrote them (the spread shape). */
  pipelineFloor?: {
    eventsPerSec: number;
    actionsPerEvent: number | null;
    actionsByKind: ActionBreakdown;
    eventsPerHandover: number | null;
    cpuMsPerEvent: CpuMsPerEvent;
  };
}

export interface OpenWorkflowsResult {
  workflows: number;
  openSeconds: number;
  openedPerSec: number;
  workerPeakRssMb: number;
  /** The burst after opening them, and its ratio to the warm burst of the same run. */
  eventsPerSec: number;
  vsWarm: number;
  maxCachedWorkflows: number;
}

export interface CeilingResult {
  events: number;
  wallSeconds: number;
  eventsPerSec: number;
  processes: ProcUsage[];
  cpuMsPerEvent: CpuMsPerEvent;
}

export interface FloorResult extends CeilingResult {
  handovers: number;
  actionsPerEvent: number | null;
  /** CPU seconds other processes left running (ordersync's, idle) used in the floor's metered window. */
  backgroundCpuSeconds: number;
}

/**
 * One paired round: an ordersync burst, then the floor on the same events
 * while ordersync's processes stay up with its poll Schedule paused.
 */
export interface FloorRound {
  round: number;
  ordersyncEventsPerSec: number;
  floorEventsPerSec: number;
  vsFloor: number;
  ordersyncCpuMsPerEvent: CpuMsPerEvent;
  floorCpuMsPerEvent: CpuMsPerEvent;
  /** CPU seconds ordersync's idle processes used while the floor was metered (the floor's handicap). */
  ordersyncIdleCpuSeconds: number;
  /** That, as a share of the CPU the floor's own worker and the servers used in the same window. */
  idleShareOfFloorCpu: number;
  /** The pipeline floor on the same events, after the floor, when it runs. */
  pipelineFloorEventsPerSec?: number;
  vsPipelineFloor?: number;
  pipelineFloorCpuMsPerEvent?: CpuMsPerEvent;
  violations: number;
  lost: number;
  duplicates: number;
}

export type Profile = 'burst' | 'spread';

/** `--erp`: the mapping the query source reads and the ERP fixture whose tables it reads. */
export interface ErpSourceOption {
  mapping: string;
  fixture: 'erpnext' | 'odoo';
}

export interface BenchOptions {
  orders: number;
  updates: number;
  workers: number;
  consumers: number;
  json?: string;
  chart?: string;
  quick?: boolean;
  timeoutMs: number;
  /** Steady phase: events/s (default: half of the burst's peak) and seconds. */
  rate?: number;
  duration: number;
  /** Only this profile (burst, spread); both when absent. */
  profile?: Profile;
  eventGapMs: number;
  openWorkflows: number;
  /** Paired ordersync/floor burst rounds; the floor ratio is their median. */
  rounds: number;
  cpuProf?: string;
  systems: string[];
  /** Read an ERP fixture's tables through this mapping (the query source) instead of the simulator's change log. */
  erp?: ErpSourceOption;
  /** ORDERSYNC_ERP_LOOKBACK for the --erp run (the product default when absent). */
  erpLookback?: string;
  /** Write through this target mapping directory (the sql target) instead of the built-in tables. */
  target?: string;
  /** production: the run refuses to start unless three brokers and Temporal's own server answer. */
  topology: 'dev' | 'production';
}

export const round = (n: number) => Math.round(n * 100) / 100;

/** CPU ms per event, processes grouped by the first word of their name (worker 1, worker 2 → worker). */
export function cpuMsPerEvent(processes: ProcUsage[], events: number): CpuMsPerEvent {
  const out: CpuMsPerEvent = {};
  for (const p of processes) {
    const group = p.name.split(' ')[0]!;
    out[group] = (out[group] ?? 0) + p.cpuSeconds;
  }
  for (const k of Object.keys(out)) out[k] = round((out[k]! * 1000) / Math.max(1, events));
  return out;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** A commander argument parser for a positive integer. */
export function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a positive integer');
  return n;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** A DATETIME(3) column as epoch milliseconds. */
export const ms = (sqlTime: string) => Date.parse(fromSqlDateTime(sqlTime));

export async function rows(pool: Pool, sql: string, params: unknown[]): Promise<RowDataPacket[]> {
  const [r] = await pool.query<RowDataPacket[]>(sql, params);
  return r;
}

/**
 * Orders each system runs, unmetered, before its first metered burst: a fifth
 * of the burst, 20 to 300. With 20 (about 70 events) the first burst of a
 * 2,000-order run still warmed the JIT: its worker used 7.0 ms CPU per event
 * against 4.5-4.8 in the next two, fell behind, and ran at half their speed.
 */
export function warmUpOrders(burstOrders: number): number {
  return Math.max(20, Math.min(300, Math.round(burstOrders / 5)));
}

export function log(msg: string) {
  process.stderr.write(`[bench] ${msg}\n`);
}

/** A worker inside the bench process for a raw-Temporal system (ceiling, floor), with ordersync's data converter. */
export async function benchWorker(
  cfg: Config,
  taskQueue: string,
  workflowsPath: string,
  activities: Record<string, (...args: never[]) => Promise<unknown>>,
): Promise<Worker> {
  return Worker.create({
    connection: await NativeConnection.connect({ address: cfg.ORDERSYNC_TEMPORAL_ADDRESS }),
    namespace: cfg.ORDERSYNC_TEMPORAL_NAMESPACE,
    taskQueue,
    workflowsPath,
    // Shared by every workflow on the thread, as ordersync's own bundle does (PRELOADED_MODULES).
    bundlerOptions: { preloadModules: [workflowsPath] },
    dataConverter: createDataConverter(cfg),
    activities,
    maxCachedWorkflows: 2000,
  });
}

/**
 * A bench process (a script under bench/, run with tsx) once it printed
 * "ready"; its stdin stays open for commands. It fails if the process exits first.
 */
export async function startReadyProcess(
  env: NodeJS.ProcessEnv,
  script: string,
  args: string[],
  nodeArgs: string[] = [],
): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [...nodeArgs, '--import', 'tsx', path.join(__dirname, script), ...args],
    { env, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  child.once('error', (err) => console.error(`[bench] ${script}: ${err.message}`));
  const ready = await new Promise<boolean>((resolve) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready\n')) resolve(true);
    });
    child.once('exit', () => resolve(false));
  });
  if (!ready) throw new Error(`${script} exited before it was ready (exit ${child.exitCode})`);
  child.stdout.resume();
  return child;
}
