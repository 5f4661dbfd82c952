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
