import { z } from 'zod';
import { duration, positiveInt } from './values';

/** Reconciliation: its Schedule, its two sweeps, the re-check and the repair. */
export const reconcileEnv = z.object({
  ORDERSYNC_RECONCILE_SCHEDULE_ID: z.string().min(1).default('ordersync-reconcile'),
  ORDERSYNC_RECONCILE_EVERY: duration.default(600_000),
  /** The recent sweep: orders whose ERP change marker is this recent (0: no recent sweep). */
  ORDERSYNC_RECONCILE_RECENT: duration.default(2 * 86_400_000),
  /** The full sweep covers every order once per this period. */
  ORDERSYNC_RECONCILE_FULL_EVERY: duration.default(7 * 86_400_000),
  ORDERSYNC_RECONCILE_PAGE_SIZE: positiveInt.max(5000).default(500),
  /** The most orders one run's full sweep takes from each side. */
  ORDERSYNC_RECONCILE_MAX_PER_RUN: positiveInt.default(20_000),
  /** How long a run waits before re-reading what looked drifted (orders in flight clear). */
  ORDERSYNC_RECONCILE_RECHECK_DELAY: duration.default(30_000),
  ORDERSYNC_RECONCILE_REPAIR: z.enum(['off', 'replay']).default('replay'),
  /** Replays per second a repair starts at most. */
  ORDERSYNC_RECONCILE_REPAIR_RATE: positiveInt.max(1000).default(5),
  /** The share of its time a scheduled run reads and compares; it sleeps between pages for the rest. */
  ORDERSYNC_RECONCILE_DUTY_CYCLE: z.coerce
    .number()
    .gt(0, 'a duty cycle above 0')
    .max(1, 'a duty cycle of at most 1')
    .default(0.1),
});
