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

/**
 * One restore at a time per process: a restore holds one connection of the
 * pool (the lock) while it reads the target on another, so two at once (a
 * retried repair beside the attempt it replaces) could each hold one and wait
 * for the other forever on a two-connection pool.
 */
let running: Promise<unknown> = Promise.resolve();

/** Forgets the applied events of `invoiceIds` the target lacks; returns the invoice ids forgotten. */
export function forgetLostInvoices(
  deps: RestoreDeps,
  orderId: string,
  invoiceIds: readonly string[],
): Promise<string[]> {
  const next = running.then(() => forget(deps, orderId, invoiceIds));
  running = next.catch(() => undefined);
  return next;
}

async function forget(
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
    const found = events.filter(
      (e) => e.type === 'invoice_creation' && lost.includes(e.data.invoiceId),
    );
    if (found.length === 0) return [];
    // Only invoices whose event the history still holds: another keeps its
    // ledger row and its ownership (the guard against another order reusing its id).
    const restorable = [...new Set(found.map((e) => (e.data as { invoiceId: string }).invoiceId))];
    await conn.query(
      `DELETE FROM ordersync_applied_events
        WHERE order_id = ? AND type = 'invoice_creation' AND event_id IN (?)`,
      [orderId, found.map((e) => e.eventId)],
    );
    await conn.query(
      'DELETE FROM ordersync_invoice_owners WHERE order_id = ? AND invoice_id IN (?)',
      [orderId, restorable],
    );
    return restorable;
  });
}
