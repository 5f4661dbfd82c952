/**
 * Which events a page of ERP state becomes, and with which versions. Pure.
 * ordersync numbers the versions itself: an order's snapshots and invoices
 * share one counter, a version is reserved before it is produced, and a
 * reserved version is never given to different content (the apply's stale
 * guard would drop the second). Re-reading unchanged state yields nothing.
 */
import type { ErpEvent } from '../source';
import { invoiceEventId, snapshotEventId, snapshotHash } from './assemble';
import type { AssembledOrder } from './assemble';
import type { InvoiceBook, OrderBook, Reservation } from './query-state';

export interface PlannedPage {
  events: ErpEvent[];
  reservation: Reservation;
}

export function emptyPlan(): PlannedPage {
  return { events: [], reservation: { orders: [], invoices: [], raised: [] } };
}

/**
 * Snapshots: an unseen order is `order_creation` 1; a changed hash the next
 * version; an unchanged hash nothing once acknowledged, or the same event
 * again while it is not. `books` is updated in place with what is reserved.
 */
export function planSnapshots(
  orders: readonly AssembledOrder[],
  books: Map<string, OrderBook>,
  occurredAt: (orderId: string) => string,
  plan: PlannedPage = emptyPlan(),
): PlannedPage {
  for (const o of orders) {
    const hash = snapshotHash(o);
    const book = books.get(o.orderId);
    let version: number;
    let lastVersion: number;
    if (!book) {
      version = 1;
      lastVersion = 1;
    } else if (book.hash.equals(hash) && book.channel === o.channel) {
      if (book.acked) continue;
      version = book.snapshotVersion;
      lastVersion = book.lastVersion;
    } else {
      version = book.lastVersion + 1;
      lastVersion = version;
    }
    plan.events.push({
      seq: 0,
      eventId: snapshotEventId(o.orderId, version, hash),
      orderId: o.orderId,
      channel: o.channel,
      type: version === 1 ? 'order_creation' : 'order_updation',
      erpVersion: version,
      occurredAt: occurredAt(o.orderId),
      data: o.data,
    } as ErpEvent);
    const reserved = {
      orderId: o.orderId,
      channel: o.channel,
      lastVersion,
      snapshotVersion: version,
      hash,
    };
    plan.reservation.orders.push(reserved);
    books.set(o.orderId, { ...reserved, acked: false });
  }
  return plan;
}

export interface ReadInvoice {
  invoiceId: string;
  orderId: string;
  data: Record<string, unknown>;
  occurredAt: string;
}

/**
 * Invoices: an unseen invoice id is `invoice_creation` with its order's next
 * version; an unacknowledged one is produced again as it was. An invoice whose
 * order ordersync has not produced is left for a later read (`waiting`).
 */
export function planInvoices(
  invoices: readonly ReadInvoice[],
  invoiceBooks: ReadonlyMap<string, InvoiceBook>,
  orderBooks: Map<string, OrderBook>,
  plan: PlannedPage = emptyPlan(),
): { plan: PlannedPage; waiting: ReadInvoice[] } {
  const waiting: ReadInvoice[] = [];
  for (const inv of creditNotesAfterTheirInvoices(invoices)) {
    const seen = invoiceBooks.get(inv.invoiceId);
    if (seen?.acked) continue;
    const order = orderBooks.get(inv.orderId);
    if (!order) {
      waiting.push(inv);
      continue;
    }
    const version = seen ? seen.version : order.lastVersion + 1;
    if (!seen) {
      orderBooks.set(inv.orderId, { ...order, lastVersion: version });
      plan.reservation.raised.push({ orderId: inv.orderId, lastVersion: version });
    }
    plan.reservation.invoices.push({ invoiceId: inv.invoiceId, orderId: inv.orderId, version });
    plan.events.push({
      seq: 0,
      eventId: invoiceEventId(inv.orderId, inv.invoiceId),
      orderId: inv.orderId,
      channel: order.channel,
      type: 'invoice_creation',
      erpVersion: version,
      occurredAt: inv.occurredAt,
      data: inv.data,
    } as ErpEvent);
  }
  return { plan, waiting };
}

/**
 * `invoices` in their order, except that a credit note read before the
 * invoice it corrects (both changed within one marker tick, and the mapping's
 * tie-break put it first) moves right after that invoice: its version must be
 * higher, or the apply meets a correction of an invoice it has not seen.
 */
export function creditNotesAfterTheirInvoices(invoices: readonly ReadInvoice[]): ReadInvoice[] {
  const pending = new Set(invoices.map((i) => i.invoiceId));
  const held = new Map<string, ReadInvoice[]>();
  const out: ReadInvoice[] = [];
  const emit = (inv: ReadInvoice) => {
    out.push(inv);
    pending.delete(inv.invoiceId);
    for (const next of held.get(inv.invoiceId) ?? []) emit(next);
    held.delete(inv.invoiceId);
  };
  for (const inv of invoices) {
    const against = inv.data.againstInvoiceId;
    if (typeof against === 'string' && against !== inv.invoiceId && pending.has(against)) {
      held.set(against, [...(held.get(against) ?? []), inv]);
      continue;
    }
    emit(inv);
  }
  // A cycle of corrections cannot be ordered: keep what is left in its order.
  for (const rest of held.values())
    for (const inv of rest) if (pending.has(inv.invoiceId)) emit(inv);
  return out;
}
