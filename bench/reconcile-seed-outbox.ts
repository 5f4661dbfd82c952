/**
 * In-sync orders for the reconcile benches, fast: the ERP change log written
 * directly (creation, update, invoice per order), the built-in target written
 * by the real apply.
 */
import type { Pool } from 'mysql2/promise';
import type { createApplyActivities } from '../activities/apply-order-events';
import { changeLogRow, orderHistory } from '../test/support/order-events';

const BATCH = 1000;

type ApplyFn = ReturnType<typeof createApplyActivities>['applyOrderEvents'];

/** The ERP change log written directly; the target written by the real apply, one batch per order. */
export async function seedOutbox(writer: Pool, apply: ApplyFn, ids: string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += BATCH) {
    const histories = ids.slice(i, i + BATCH).map((id) => orderHistory(id, 1));
    await writer.query(
      'INSERT INTO order_events (event_id, order_id, channel, type, version, occurred_at, payload) VALUES ?',
      [histories.flat().map((e) => changeLogRow(e))],
    );
    const queue = [...histories];
    const lane = async () => {
      for (let h = queue.shift(); h; h = queue.shift())
        await apply({ orderId: h[0]!.orderId, events: h });
    };
    await Promise.all(Array.from({ length: 8 }, lane));
  }
}
