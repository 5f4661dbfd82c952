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

/** Smallest `ORDERSYNC_POLL_REREAD` other than 0 (off): below it a watch is a busy loop of queries. */
export const MIN_POLL_REREAD_MS = 100;

/**
 * Until when a caught-up poll keeps watching the change log. A run that
 * started at `startMs` may poll until `latestEndMs` (its start plus its
 * budget), and should close just before one of the Schedule's runs is due:
 * the Schedule skips the runs that fall due while one is open (overlap SKIP)
 * and starts the first one due after it has closed. ordersync's Schedule has
 * an interval with no offset or jitter, so its runs fall due on multiples of
 * `everyMs` since the epoch. The deadline is the last such time that fits,
 * less a margin for the run to close and for the worker's clock to differ
 * from the server's (a quarter of the interval, between 500 ms and 1 s). When
 * no run falls due before the budget ends, the run polls until `latestEndMs`.
 */
export function pollWatchDeadline(startMs: number, everyMs: number, latestEndMs: number): number {
  const margin = Math.min(1000, Math.max(500, everyMs / 4));
  const due = Math.floor((latestEndMs + margin) / everyMs) * everyMs;
  return due > startMs ? due - margin : latestEndMs;
}

/**
 * How long a caught-up poll waits before its next read: `rereadMs`, or less
 * so that its last read happens at `watchUntilMs`; null when it is done.
 */
export function nextWatchWait(
  nowMs: number,
  rereadMs: number,
  watchUntilMs: number,
): number | null {
  const left = watchUntilMs - nowMs;
  if (rereadMs <= 0 || left <= 0) return null;
  return Math.min(rereadMs, left);
}
