import { APPLY_RETRYING_AFTER_MS } from '../contracts/workflow-types';

/**
 * A failing attempt comes at least this often while an order's apply retries
 * (the retry policy's 30 s maximum interval plus the 30 s attempt timeout);
 * an order not seen failing for longer has recovered elsewhere or stopped.
 */
const FORGET_AFTER_MS = 2 * 60_000;

/**
 * Orders whose apply has been failing on this worker, for the gauge
 * `ordersync_apply_retrying_orders`: since when, and the latest failure.
 */
export class RetryingOrders {
  private readonly failing = new Map<string, { since: number; last: number }>();

  failed(orderId: string, now: number): void {
    const seen = this.failing.get(orderId);
    const fresh = seen === undefined || now - seen.last > FORGET_AFTER_MS;
    this.failing.set(orderId, { since: fresh ? now : seen.since, last: now });
  }

  /** An apply that committed, or failed for good (bad data blocks the order instead). */
  settled(orderId: string): void {
    this.failing.delete(orderId);
  }

  /** Orders failing for longer than a minute, still retrying; forgets the stale ones. */
  count(now: number): number {
    let n = 0;
    for (const [orderId, f] of this.failing) {
      if (now - f.last > FORGET_AFTER_MS) this.failing.delete(orderId);
      else if (now - f.since >= APPLY_RETRYING_AFTER_MS) n++;
    }
    return n;
  }
}

/** The worker's one tracker: the apply's instrumentation feeds it, the gauge reads it. */
export const retryingOrders = new RetryingOrders();
