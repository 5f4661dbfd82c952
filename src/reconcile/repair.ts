/**
 * Repair by replay: a drifted order whose kinds a replay from the ERP fixes
 * (missing, behind, missing_invoice) is replayed through the order's own
 * workflow, the path of `ordersync replay`, at a bounded rate. Orders that
 * differ or are orphans are never touched: someone changed the target on
 * purpose, or the mapping is wrong, and a person decides.
 */
import { CHANNELS } from '../contracts/events';
import type { Channel } from '../contracts/events';
import { repairable } from './drift';
import type { OrderComparison } from './drift';

/** The most replays one run starts; the rest wait for the next run, which finds them again. */
export const MAX_REPAIRS_PER_RUN = 500;

export interface RepairDeps {
  /** Signals the order's workflow to replay it from the ERP (see OrderWorkflowClient.replay). */
  replay(orderId: string, channel: Channel): Promise<void>;
  sleep(ms: number): Promise<void>;
  /**
   * Makes the order's lost invoices replayable (see restore-invoices.ts);
   * without it a hand-deleted invoice stays missing after the replay.
   */
  restoreInvoices?(orderId: string, invoiceIds: readonly string[]): Promise<string[]>;
  /** Replays per second at most. */
  perSecond: number;
}

export interface RepairResult {
  replayed: string[];
  /** Drifted orders left alone: kinds a replay must not fix, no known channel, or over the run's limit. */
  left: number;
}

const isChannel = (c: string | null): c is Channel =>
  c !== null && (CHANNELS as readonly string[]).includes(c);

export async function repairByReplay(
  drift: readonly OrderComparison[],
  deps: RepairDeps,
): Promise<RepairResult> {
  const todo = drift
    .filter((d) => repairable(d) && isChannel(d.channel))
    .slice(0, MAX_REPAIRS_PER_RUN);
  const replayed: string[] = [];
  for (const d of todo) {
    if (replayed.length > 0) await deps.sleep(1000 / deps.perSecond);
    if (d.missingInvoices && deps.restoreInvoices)
      await deps.restoreInvoices(d.orderId, d.missingInvoices);
    await deps.replay(d.orderId, d.channel as Channel);
    replayed.push(d.orderId);
  }
  return { replayed, left: drift.length - replayed.length };
}
