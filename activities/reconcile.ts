/**
 * Reconcile activities: the reads of a sweep and its re-check, the run's
 * metrics and log lines, and the repair by replay. The comparison itself is
 * the pure core in src/reconcile/; the reads go through its two ports.
 */
import { Context } from '@temporalio/activity';
import type { Channel } from '../src/contracts/events';
import { createLogger } from '../src/log';
import {
  reconcileDriftOrders,
  reconcileLastSuccess,
  reconcileOrdersChecked,
} from '../src/observability/metrics';
import type { OrderComparison } from '../src/reconcile/drift';
import { DRIFT_KINDS } from '../src/reconcile/kinds';
import type { DriftKind } from '../src/reconcile/kinds';
import type { IdScope } from '../src/reconcile/ports';
import { repairByReplay } from '../src/reconcile/repair';
import type { RepairResult } from '../src/reconcile/repair';
import { pacer } from '../src/reconcile/pace';
import { fullSweepSlice, recentSweep, recheck } from '../src/reconcile/sweep';
import type { OnPage, Sides } from '../src/reconcile/sweep';
import type { FullSweepState, SliceResult } from '../src/reconcile/sweep-state';

/** First-pass drift one sweep returns at most, to keep the result far below Temporal's payload limit. */
export const MAX_SUSPECTS = 2000;

export interface ReconcileSweepInput {
  /** The recent sweep's window (0: no recent sweep). */
  recentMs: number;
  /** The full sweep's state and how many orders to take from each side; null: no full sweep. */
  full: { state: FullSweepState; count: number } | null;
  pageSize: number;
  scope: IdScope;
}

export interface ReconcileSweepResult {
  checked: number;
  /** First-pass drift, at most MAX_SUSPECTS; to be re-checked. */
  suspects: OrderComparison[];
  /** First-pass drift beyond MAX_SUSPECTS, re-checked by a later run. */
  overflow: number;
  slice: SliceResult | null;
}

export interface ReconcileRecheckResult {
  confirmed: OrderComparison[];
  cleared: number;
}

export interface ReconcileDeps {
  sides: Sides;
  replay(orderId: string, channel: Channel): Promise<void>;
  /** Replays per second at most. */
  repairPerSecond: number;
  /** The share of its time a scheduled run works, in (0, 1]; it sleeps between pages for the rest (src/reconcile/pace.ts). */
  dutyCycle?: number;
  /** Makes lost invoices replayable before the replay (src/reconcile/restore-invoices.ts). */
  restoreInvoices?(orderId: string, invoiceIds: readonly string[]): Promise<string[]>;
  /** The result of the newest completed run the Schedule `scheduleId` started, if any. */
  previousRun(scheduleId: string): Promise<unknown>;
}

const log = createLogger('reconcile');

function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/** Pacing ends once a run has spanned this share of its activity's start-to-close timeout (so it adds at most that). */
const PACE_WITHIN_TIMEOUT = 0.25;

export function createReconcileActivities(deps: ReconcileDeps) {
  /**
   * After each page: the heartbeat, then (on a worker, at a duty cycle below
   * 1) the pacing sleep. `count` adds the page to the checked-orders metric.
   */
  function pagedReads(count: boolean): OnPage {
    const ctx = activityContext();
    const duty = deps.dutyCycle ?? 1;
    const timeoutMs = ctx?.info.startToCloseTimeoutMs ?? 0;
    const heartbeatMs = ctx?.info.heartbeatTimeoutMs ?? 0;
    const pace =
      ctx && duty < 1 && timeoutMs > 0
        ? pacer({
            duty,
            paceWithinMs: timeoutMs * PACE_WITHIN_TIMEOUT,
            // A sleep plus the next page stays well inside the heartbeat timeout.
            maxSleepMs: heartbeatMs > 0 ? heartbeatMs / 4 : 30_000,
            sleep: (ms) => ctx.sleep(ms),
          })
        : null;
    return async (n: number) => {
      if (count) reconcileOrdersChecked.inc(n);
      ctx?.heartbeat();
      await pace?.afterPage();
    };
  }

  /** The recent sweep and one slice of the full sweep, first pass only. */
  async function reconcileSweep(input: ReconcileSweepInput): Promise<ReconcileSweepResult> {
    const onPage = pagedReads(true);
    let checked = 0;
    const suspects: OrderComparison[] = [];
    let compared = new Set<string>();
    if (input.recentMs > 0) {
      const since = new Date(Date.now() - input.recentMs);
      const r = await recentSweep(deps.sides, since, input.scope, input.pageSize, onPage);
      checked += r.checked;
      suspects.push(...r.drift);
      compared = r.compared;
    }
    let slice: SliceResult | null = null;
    if (input.full) {
      const { state, count } = input.full;
      const r = await fullSweepSlice(
        deps.sides,
        state,
        count,
        input.scope,
        input.pageSize,
        onPage,
        compared,
      );
      checked += r.checked;
      suspects.push(...r.drift);
      slice = r.slice;
    }
    const unique = [...new Map(suspects.map((s) => [s.orderId, s])).values()];
    return {
      checked,
      suspects: unique.slice(0, MAX_SUSPECTS),
      overflow: Math.max(0, unique.length - MAX_SUSPECTS),
      slice,
    };
  }

  /** Reads the suspects again; logs every confirmed drift by order id and kind. */
  async function reconcileRecheck(input: {
    suspects: OrderComparison[];
    pageSize: number;
  }): Promise<ReconcileRecheckResult> {
    const r = await recheck(deps.sides, input.suspects, input.pageSize, pagedReads(false));
    reconcileOrdersChecked.inc(input.suspects.length);
    for (const d of r.confirmed) {
      // Ids, kinds and field names only: the values are customer data.
      log.warn('reconcile drift', { orderId: d.orderId, kinds: d.kinds, fields: d.fields });
    }
    return r;
  }

  /** The run's outcome as metrics: drift by kind, and the time of this success. */
  async function recordReconcileRun(input: { counts: Record<DriftKind, number> }): Promise<void> {
    for (const kind of DRIFT_KINDS) reconcileDriftOrders.set({ kind }, input.counts[kind]);
    reconcileLastSuccess.set(Date.now() / 1000);
    const drifted = DRIFT_KINDS.reduce((n, k) => n + input.counts[k], 0);
    log.info('reconcile run done', { ...input.counts, drifted });
    return Promise.resolve();
  }

  /** Replays the repairable drift at a bounded rate (see src/reconcile/repair.ts). */
  async function repairDrift(input: { drift: OrderComparison[] }): Promise<RepairResult> {
    const ctx = activityContext();
    const r = await repairByReplay(input.drift, {
      replay: async (orderId, channel) => {
        await deps.replay(orderId, channel);
        log.info('reconcile replayed order', { orderId });
        ctx?.heartbeat();
      },
      sleep: (ms) => (ctx ? ctx.sleep(ms) : new Promise((res) => setTimeout(res, ms))),
      perSecond: deps.repairPerSecond,
      ...(deps.restoreInvoices
        ? {
            restoreInvoices: async (orderId: string, invoiceIds: readonly string[]) => {
              const forgotten = await deps.restoreInvoices!(orderId, invoiceIds);
              if (forgotten.length > 0)
                log.info('reconcile re-applies lost invoices', { orderId, invoices: forgotten });
              return forgotten;
            },
          }
        : {}),
    });
    return r;
  }

  /** Where the last run left the full sweep: its result, read back from Temporal. */
  async function loadPreviousReconcileRun(input: { scheduleId: string }): Promise<unknown> {
    return deps.previousRun(input.scheduleId);
  }

  return {
    reconcileSweep,
    reconcileRecheck,
    recordReconcileRun,
    repairDrift,
    loadPreviousReconcileRun,
  };
}
