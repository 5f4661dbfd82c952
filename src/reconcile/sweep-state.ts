/**
 * The full sweep's paging state, carried from one Schedule run to the next
 * (as the run's result, which Temporal hands the next run), and how many
 * orders a run takes so that the whole ERP is covered every `fullEveryMs`.
 * Pure and free of Node modules: the workflow uses it.
 */

export interface FullSweepState {
  /** The last ERP order id the sweep checked in this cycle (null: the cycle starts at the beginning). */
  erpAfter: string | null;
  /** The last target order id the sweep checked (the target's ids find orphans). */
  targetAfter: string | null;
  erpDone: boolean;
  targetDone: boolean;
  /** When this cycle started (ms since the epoch). */
  cycleStartedMs: number;
  /** ERP orders checked in this cycle so far. */
  seen: number;
  /** ERP orders the last complete cycle checked (0: none completed yet). */
  lastCycleOrders: number;
  /** Complete cycles so far. */
  cycles: number;
}

export interface SweepPace {
  /** The Schedule's interval. */
  everyMs: number;
  /** How long a whole cycle may take. */
  fullEveryMs: number;
  /** Orders per comparison page: the least a run checks. */
  pageSize: number;
  /** The most a run checks, whatever the pace asks: the cost bound per run. */
  maxPerRun: number;
}

export function newFullSweep(nowMs: number, lastCycleOrders = 0, cycles = 0): FullSweepState {
  return {
    erpAfter: null,
    targetAfter: null,
    erpDone: false,
    targetDone: false,
    cycleStartedMs: nowMs,
    seen: 0,
    lastCycleOrders,
    cycles,
  };
}

/**
 * Orders this run's full sweep takes from each side: what is left of the
 * cycle (estimated from the last cycle, or from this one if it is already
 * larger) spread over the runs left before the cycle is due, within
 * [pageSize, maxPerRun]. Behind schedule, a run takes the most it may.
 */
export function ordersThisRun(s: FullSweepState, pace: SweepPace, nowMs: number): number {
  const dueMs = s.cycleStartedMs + pace.fullEveryMs;
  const runsLeft = Math.max(1, Math.floor((dueMs - nowMs) / pace.everyMs));
  const left = Math.max(0, Math.max(s.lastCycleOrders, s.seen) - s.seen);
  const want = Math.ceil(left / runsLeft);
  return Math.min(pace.maxPerRun, Math.max(pace.pageSize, want));
}

export interface SliceResult {
  erpLast: string | null;
  erpExhausted: boolean;
  erpChecked: number;
  targetLast: string | null;
  targetExhausted: boolean;
}

/** The state after a run's slice; when both sides are exhausted a new cycle starts. */
export function advanceFullSweep(s: FullSweepState, r: SliceResult, nowMs: number): FullSweepState {
  const next: FullSweepState = {
    ...s,
    erpAfter: r.erpLast ?? s.erpAfter,
    targetAfter: r.targetLast ?? s.targetAfter,
    erpDone: s.erpDone || r.erpExhausted,
    targetDone: s.targetDone || r.targetExhausted,
    seen: s.seen + r.erpChecked,
  };
  return next.erpDone && next.targetDone ? newFullSweep(nowMs, next.seen, s.cycles + 1) : next;
}

/** A state from an earlier run's result, or a new cycle when there is none or it is not one. */
export function resumeFullSweep(previous: unknown, nowMs: number): FullSweepState {
  const p = previous as { fullSweep?: Partial<FullSweepState> } | undefined;
  const f = p?.fullSweep;
  if (!f || typeof f.cycleStartedMs !== 'number' || typeof f.seen !== 'number')
    return newFullSweep(nowMs);
  return { ...newFullSweep(nowMs), ...f };
}
