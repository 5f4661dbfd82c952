/**
 * The reconcile workflow, started by its own Schedule: the recent sweep and
 * one slice of the full sweep, a re-check of what looked drifted after a
 * delay (an order in flight clears), then metrics, the UI's details and the
 * repair. The full sweep's position is this run's result, which the
 * Schedule's next run reads back (`workflowInfo().lastResult`, else the
 * newest completed run of the Schedule).
 */
import { proxyActivities, setCurrentDetails, sleep, workflowInfo } from '@temporalio/workflow';
import type { ActivityOptions, RetryPolicy } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { summariseDrift } from '../src/reconcile/kinds';
import type { DriftKind } from '../src/reconcile/kinds';
import { dueForRepair, recordRepairs, resumeRepairBackoff } from '../src/reconcile/repair-backoff';
import type { RepairBackoff } from '../src/reconcile/repair-backoff';
import { advanceFullSweep, ordersThisRun, resumeFullSweep } from '../src/reconcile/sweep-state';
import type { FullSweepState } from '../src/reconcile/sweep-state';
import {
  RECONCILE_STARTED_DETAILS,
  reconcileDetails,
  recheckingDetails,
} from './reconcile-details';

export const REPAIR_MODES = ['off', 'replay'] as const;
export type RepairMode = (typeof REPAIR_MODES)[number];

export interface ReconcileInput {
  /** The Schedule that starts this workflow: its last completed run holds the full sweep's position. */
  scheduleId?: string;
  /** The Schedule's interval: the full sweep paces itself by it. */
  everyMs: number;
  recentMs: number;
  fullEveryMs: number;
  pageSize: number;
  /** The most orders one run's full sweep takes from each side. */
  maxPerRun: number;
  /** How long to wait before re-reading what looked drifted. */
  recheckDelayMs: number;
  repair: RepairMode;
  /** Only ids starting with this (unset: every order). */
  idPrefix?: string;
}

export interface ReconcileRunResult {
  fullSweep: FullSweepState;
  checked: number;
  counts: Record<DriftKind, number>;
  first: Record<DriftKind, string[]>;
  cleared: number;
  overflow: number;
  repaired: string[];
  /** Repairable orders not replayed this run: replayed recently or too often (still reported). */
  heldBack?: string[];
  /** Replays per order, carried to the next run so an order a replay cannot fix is not replayed forever. */
  repairBackoff?: RepairBackoff;
}

const RETRY: RetryPolicy = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '1m',
  maximumAttempts: 5,
  nonRetryableErrorTypes: [],
};
/** Reads page by page and heartbeats after every page. */
const READ_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30m',
  heartbeatTimeout: '2m',
  retry: RETRY,
};
const RECORD_OPTIONS: ActivityOptions = { startToCloseTimeout: '30s', retry: RETRY };

const { reconcileSweep, reconcileRecheck } = proxyActivities<Activities>(READ_OPTIONS);
const { recordReconcileRun, loadPreviousReconcileRun } =
  proxyActivities<Activities>(RECORD_OPTIONS);
const { repairDrift } = proxyActivities<Activities>(READ_OPTIONS);

export async function reconcileWorkflow(input: ReconcileInput): Promise<ReconcileRunResult> {
  // A Schedule does not always hand a run its predecessor's result, so read it back when absent.
  const previous =
    workflowInfo().lastResult ??
    (input.scheduleId !== undefined
      ? await loadPreviousReconcileRun({ scheduleId: input.scheduleId })
      : undefined);
  const startedMs = Date.now();
  const state = resumeFullSweep(previous, startedMs);
  const count = ordersThisRun(state, { ...input }, startedMs);
  const scope = input.idPrefix !== undefined ? { idPrefix: input.idPrefix } : {};
  setCurrentDetails(RECONCILE_STARTED_DETAILS);
  const sweep = await reconcileSweep({
    recentMs: input.recentMs,
    full: { state, count },
    pageSize: input.pageSize,
    scope,
  });
  let confirmed: Awaited<ReturnType<typeof reconcileRecheck>>['confirmed'] = [];
  let cleared = 0;
  if (sweep.suspects.length > 0) {
    setCurrentDetails(
      recheckingDetails(sweep.checked, sweep.suspects.length, input.recheckDelayMs),
    );
    await sleep(input.recheckDelayMs);
    ({ confirmed, cleared } = await reconcileRecheck({
      suspects: sweep.suspects,
      pageSize: input.pageSize,
    }));
  }
  const summary = summariseDrift(confirmed);
  const fullSweep = sweep.slice ? advanceFullSweep(state, sweep.slice, Date.now()) : state;
  const figures = {
    checked: sweep.checked,
    cleared,
    overflow: sweep.overflow,
    repaired: null as number | null,
    cycleSeen: fullSweep.seen,
    cycles: fullSweep.cycles,
  };
  setCurrentDetails(reconcileDetails(summary, figures));
  await recordReconcileRun({ counts: summary.counts });
  let repaired: string[] = [];
  const backoff = resumeRepairBackoff(previous);
  const { due, held } = dueForRepair(confirmed, backoff, Date.now());
  if (input.repair === 'replay' && due.length > 0) {
    repaired = (await repairDrift({ drift: due })).replayed;
    setCurrentDetails(
      reconcileDetails(summary, { ...figures, repaired: repaired.length, heldBack: held.length }),
    );
  }
  const repairBackoff = recordRepairs(
    backoff,
    repaired,
    new Set(confirmed.map((c) => c.orderId)),
    Date.now(),
    input.everyMs,
  );
  return {
    fullSweep,
    checked: sweep.checked,
    counts: summary.counts,
    first: summary.first,
    cleared,
    overflow: sweep.overflow,
    repaired,
    heldBack: held.map((h) => h.orderId),
    repairBackoff,
  };
}
