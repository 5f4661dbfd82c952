/**
 * Repair attempts remembered from run to run (in the run's result, like the
 * full sweep's position), so an order a replay cannot repair is not replayed
 * on every run forever: after each replay the order waits twice as many
 * intervals before the next, and after MAX_REPAIR_ATTEMPTS it is only
 * reported. Pure and free of Node modules: the workflow uses it.
 */

/** Replays of one order before reconciliation stops trying and only reports it. */
export const MAX_REPAIR_ATTEMPTS = 5;
/** Orders remembered at most; the oldest attempts are forgotten first. */
export const MAX_REMEMBERED = 2000;

/**
 * How long an order is remembered after a run last found it drifted. A run
 * checks recent changes and one slice of the full sweep, so an order it did
 * not find drifted may simply not have been looked at: it is kept for longer
 * than the default full sweep (7 days), or an unrepairable order that never
 * changes would start again at attempt 1 on every sweep cycle.
 */
export const REMEMBER_MS = 8 * 24 * 3_600_000;

export interface RepairAttempt {
  attempts: number;
  /** When the order may be replayed again (ms since the epoch). */
  nextMs: number;
  /** When a run last found it drifted (absent in results of an earlier release). */
  seenMs?: number;
}

export type RepairBackoff = Record<string, RepairAttempt>;

/** The attempts an earlier run's result carries, or none. */
export function resumeRepairBackoff(previous: unknown): RepairBackoff {
  const p = previous as { repairBackoff?: unknown } | undefined;
  const b = p?.repairBackoff;
  return b !== null && typeof b === 'object' ? { ...(b as RepairBackoff) } : {};
}

/** Splits repairable drift into the orders due for a replay now and those held back. */
export function dueForRepair<T extends { orderId: string }>(
  drift: readonly T[],
  backoff: RepairBackoff,
  nowMs: number,
): { due: T[]; held: T[] } {
  const due: T[] = [];
  const held: T[] = [];
  for (const d of drift) {
    const a = backoff[d.orderId];
    if (a && (a.attempts >= MAX_REPAIR_ATTEMPTS || a.nextMs > nowMs)) held.push(d);
    else due.push(d);
  }
  return { due, held };
}

/**
 * The backoff after a run: each replayed order's attempt counted (the next
 * waits `everyMs` × 2^attempts), orders no run has found drifted for
 * REMEMBER_MS forgotten, and the oldest dropped past MAX_REMEMBERED.
 */
export function recordRepairs(
  backoff: RepairBackoff,
  replayed: readonly string[],
  stillDrifted: ReadonlySet<string>,
  nowMs: number,
  everyMs: number,
): RepairBackoff {
  const next: RepairBackoff = {};
  for (const [id, a] of Object.entries(backoff)) {
    if (stillDrifted.has(id)) next[id] = { ...a, seenMs: nowMs };
    else if (nowMs - (a.seenMs ?? nowMs) < REMEMBER_MS) next[id] = a;
  }
  for (const id of replayed) {
    const attempts = (next[id]?.attempts ?? 0) + 1;
    next[id] = { attempts, nextMs: nowMs + everyMs * 2 ** attempts, seenMs: nowMs };
  }
  const ids = Object.keys(next);
  if (ids.length <= MAX_REMEMBERED) return next;
  ids.sort((a, b) => next[b]!.nextMs - next[a]!.nextMs);
  return Object.fromEntries(ids.slice(0, MAX_REMEMBERED).map((id) => [id, next[id]!]));
}
