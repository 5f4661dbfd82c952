// Types and small helpers shared by the benchmark's systems and its report.
import type { Pool, RowDataPacket } from 'mysql2/promise';
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

export interface CeilingResult {
  events: number;
  wallSeconds: number;
  eventsPerSec: number;
  processes: ProcUsage[];
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
}

export const round = (n: number) => Math.round(n * 100) / 100;

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

export function log(msg: string) {
  process.stderr.write(`[bench] ${msg}\n`);
}
