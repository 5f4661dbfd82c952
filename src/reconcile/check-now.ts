/**
 * A one-off check, what `ordersync reconcile` runs: the same comparison and
 * re-check as a scheduled run, over one order, the orders changed since a
 * date, or every order.
 */
import type { OrderComparison } from './drift';
import { summariseDrift } from './kinds';
import type { DriftSummary } from './kinds';
import type { IdScope } from './ports';
import { compareIds, everyOrderSweep, recentSweep, recheck } from './sweep';
import type { Sides, SweepResult } from './sweep';

export interface CheckNowOptions {
  orderIds?: readonly string[];
  since?: Date;
  scope: IdScope;
  pageSize: number;
  /** The wait before what looked drifted is read again. */
  recheckDelayMs: number;
  sleep?: (ms: number) => Promise<void>;
  onPage?: (checked: number) => void;
}

export interface CheckNowReport {
  checked: number;
  /** First-pass drift that a re-check cleared (orders in flight or changing). */
  cleared: number;
  drift: OrderComparison[];
  summary: DriftSummary;
}

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function checkNow(sides: Sides, o: CheckNowOptions): Promise<CheckNowReport> {
  let first: SweepResult;
  if (o.orderIds) first = await compareIds(sides, o.orderIds, o.pageSize, o.onPage);
  else if (o.since) first = await recentSweep(sides, o.since, o.scope, o.pageSize, o.onPage);
  else first = await everyOrderSweep(sides, o.scope, o.pageSize, o.onPage);
  if (first.drift.length === 0)
    return { checked: first.checked, cleared: 0, drift: [], summary: summariseDrift([]) };
  await (o.sleep ?? pause)(o.recheckDelayMs);
  const { confirmed, cleared } = await recheck(sides, first.drift, o.pageSize);
  return { checked: first.checked, cleared, drift: confirmed, summary: summariseDrift(confirmed) };
}
