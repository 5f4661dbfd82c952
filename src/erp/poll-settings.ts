/**
 * Settings the poll workflow and the worker must agree on. Pure, so the
 * workflow bundle may import it.
 */

/** The poll activity's start-to-close timeout. */
export const POLL_ACTIVITY_TIMEOUT_MS = 120_000;

/** Time allowed for the page that is under way when the poll budget runs out (read, produce, save). */
export const POLL_PAGE_ALLOWANCE_MS = 30_000;

/** The largest `ORDERSYNC_POLL_BUDGET` that still leaves the last page time to finish before the timeout. */
export const MAX_POLL_BUDGET_MS = POLL_ACTIVITY_TIMEOUT_MS - POLL_PAGE_ALLOWANCE_MS;

/**
 * The task queue of the poll activity. It has its own worker slots, so mass
 * replays or a backlog of applies on the main queue can never starve polling.
 */
export function pollTaskQueue(taskQueue: string): string {
  return `${taskQueue}-poll`;
}

/**
 * Until when a caught-up poll keeps watching the change log. A Schedule run
 * due at `dueAtMs` (Schedule interval `everyMs`) may watch until `latestEndMs`
 * (its start plus its budget), and should close just before one of the
 * Schedule's later runs is due: the Schedule skips the runs that fall due
 * while it is open (overlap SKIP) and starts the first one due after it has
 * closed. So the deadline is the last such due time that fits, less a margin
 * (a quarter of the interval, between 250 ms and 1 s) for the run to close.
 * An interval longer than the budget watches until `latestEndMs`.
 */
export function pollWatchDeadline(dueAtMs: number, everyMs: number, latestEndMs: number): number {
  const margin = Math.min(1000, Math.max(250, everyMs / 4));
  const intervals = Math.floor((latestEndMs + margin - dueAtMs) / everyMs);
  return intervals >= 1 ? dueAtMs + intervals * everyMs - margin : latestEndMs;
}
