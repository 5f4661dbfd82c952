/**
 * Makes a hand-deleted invoice replayable. The ledger records its event as
 * applied, so a plain replay drops it as a duplicate and the row stays gone.
 * Under the order's lock (every apply takes it first, so none runs
 * meanwhile), the target is read again; for each invoice it still lacks, the
 * event's ledger row and the invoice's ownership row are deleted, so the
 * replay that follows applies the event once more. An invoice the target
 * holds again (restored by hand, or applied in between) is left alone, so a
 * repair never writes an invoice twice.
 */
import type { Pool } from 'mysql2/promise';
import { inTransaction } from '../db/transaction';
import type { OrderHistorySource } from '../erp/source';
import type { ReconcileTargetSide } from './ports';

export interface RestoreDeps {
  /** The target MySQL, where ordersync's ledger and locks live. */
  pool: Pool;
  target: ReconcileTargetSide;
  /** Where the order's invoice events come from (their event ids). */
  history: OrderHistorySource;
}

/** The most events one order's history read returns here. */
const HISTORY_LIMIT = 10_000;

/** Forgets the applied events of `invoiceIds` the target lacks; returns the invoice ids forgotten. */
export async function forgetLostInvoices(
  deps: RestoreDeps,
  orderId: string,
  invoiceIds: readonly string[],
): Promise<string[]> {
  if (invoiceIds.length === 0) return [];
  const events = await deps.history.fetchOrderEvents(orderId, 1, HISTORY_LIMIT);
  return inTransaction(deps.pool, async (conn) => {
    await conn.query(
      'INSERT INTO ordersync_order_locks (order_id) VALUES (?) ON DUPLICATE KEY UPDATE order_id = order_id',
      [orderId],
    );
    // Read on another connection: it sees every committed apply, and none can commit while we hold the lock.
    const stored = (await deps.target.readOrders([orderId])).get(orderId);
    if (!stored) return [];
    const present = new Set(stored.invoices.map((i) => String(i.invoiceId)));
    const lost = invoiceIds.filter((id) => !present.has(id));
    const eventIds = events.flatMap((e) =>
      e.type === 'invoice_creation' && lost.includes(e.data.invoiceId) ? [e.eventId] : [],
    );
    if (eventIds.length === 0) return [];
    await conn.query(
      `DELETE FROM ordersync_applied_events
        WHERE order_id = ? AND type = 'invoice_creation' AND event_id IN (?)`,
      [orderId, eventIds],
    );
    await conn.query(
      'DELETE FROM ordersync_invoice_owners WHERE order_id = ? AND invoice_id IN (?)',
      [orderId, lost],
    );
    return lost;
  });
}
