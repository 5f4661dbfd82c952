import { APPLY_RETRYING_AFTER_MS } from '../contracts/workflow-types';
import { formatDuration } from '../../workflows/order-details';

/**
 * `retrying since 2026-12-04 21:40:00 UTC (for 5m)` for `ordersync status`, once
 * the order's apply has been failing for longer than a minute; null before,
 * so a short blip (a deadlock, a failover) is not reported.
 */
export function retryingLine(retryingSince: number | null, now: number): string | null {
  if (retryingSince === null || now - retryingSince < APPLY_RETRYING_AFTER_MS) return null;
  const at = new Date(retryingSince).toISOString().slice(0, 19).replace('T', ' ');
  return `apply retrying since ${at} UTC (for ${formatDuration(now - retryingSince)})`;
}
