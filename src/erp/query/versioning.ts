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
import type { InvoiceBook, OrderBook, OrderReservation, Reservation } from './query-state';

export interface PlannedPage {
  events: ErpEvent[];
  reservation: Reservation;
}

export function emptyPlan(): PlannedPage {
  return { events: [], reservation: { orders: [], invoices: [] } };
}

/**
 * The page's reservation of `orderId`, created from `book` (the stored book
 * the plan read, or none) the first time the page touches the order. Its
 * `base` is what the reserve compares with, so a book changed by a concurrent
 * poll, backfill or replay since it was read makes the reserve fail.
 */
function reservationOf(
  plan: PlannedPage,
  orderId: string,
  book: OrderBook | undefined,
): OrderReservation {
  const found = plan.reservation.orders.find((o) => o.orderId === orderId);
  if (found) return found;
  const entry: OrderReservation = book
    ? {
        orderId,
        base: {
          lastVersion: book.lastVersion,
          snapshotVersion: book.snapshotVersion,
          hash: book.hash,
        },
        channel: book.channel,
        lastVersion: book.lastVersion,
        snapshotVersion: book.snapshotVersion,
        hash: book.hash,
        snapshot: false,
      }
    : {
        orderId,
        base: null,
        channel: '',
        lastVersion: 0,
        snapshotVersion: 0,
        hash: Buffer.alloc(0),
        snapshot: false,
      };
  plan.reservation.orders.push(entry);
  return entry;
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
    plan.events.push(snapshotEvent(o, version, hash, occurredAt(o.orderId)));
    const reserved = reservationOf(plan, o.orderId, book);
    Object.assign(reserved, {
      channel: o.channel,
      lastVersion,
      snapshotVersion: version,
      hash,
      snapshot: true,
    });
    books.set(o.orderId, {
      channel: o.channel,
      lastVersion,
      snapshotVersion: version,
      hash,
      acked: false,
    });
  }
  return plan;
}

/** The snapshot event of `o` under `version`; its id names the order, the version and the content. */
export function snapshotEvent(
  o: AssembledOrder,
  version: number,
  hash: Buffer,
  occurredAt: string,
): ErpEvent {
  return {
    seq: 0,
    eventId: snapshotEventId(o.orderId, version, hash),
    orderId: o.orderId,
    channel: o.channel,
    type: version === 1 ? 'order_creation' : 'order_updation',
    erpVersion: version,
    occurredAt,
    data: o.data,
  } as ErpEvent;
}

export interface ReadInvoice {
  invoiceId: string;
  orderId: string;
  data: Record<string, unknown>;
  occurredAt: string;
}

/** An invoice row naming another order than the one its id is booked or planned for. */
export interface InvoiceConflict {
  invoiceId: string;
  orderId: string;
  /** The order the invoice id belongs to in ordersync's books (or this page's plan). */
  bookedFor: string;
}

/**
 * Invoices: an unseen invoice id is `invoice_creation` with its order's next
 * version; an unacknowledged one is produced again as it was. An invoice whose
 * order ordersync has not produced is left for a later read (`waiting`).
 *
 * An invoice id belongs to one order. A row that repeats an id already
 * planned for the same order is the same invoice (a join that doubled it); a
 * row naming another order (one invoice billing several orders) is not
 * representable in the contract and is returned in `conflicts`, never booked:
 * booking it would give the id two orders and fail every page's booking.
 * A credit note not booked yet belongs where the invoice it corrects does, so
 * a credit note of an invoice billing several orders goes to that invoice's
 * order, never to another (whose apply would refuse a correction of an
 * invoice it does not hold). `invoiceBooks` should hold the corrected ids too.
 */
export function planInvoices(
  invoices: readonly ReadInvoice[],
  invoiceBooks: ReadonlyMap<string, InvoiceBook>,
  orderBooks: Map<string, OrderBook>,
  plan: PlannedPage = emptyPlan(),
): { plan: PlannedPage; waiting: ReadInvoice[]; conflicts: InvoiceConflict[] } {
  const waiting: ReadInvoice[] = [];
  const conflicts: InvoiceConflict[] = [];
  const planned = new Map(plan.reservation.invoices.map((i) => [i.invoiceId, i.orderId]));
  for (const inv of creditNotesAfterTheirInvoices(invoices)) {
    const seen = invoiceBooks.get(inv.invoiceId);
    const owner =
      planned.get(inv.invoiceId) ?? seen?.orderId ?? correctedOwner(inv, planned, invoiceBooks);
    if (owner !== undefined && owner !== inv.orderId) {
      conflicts.push({ invoiceId: inv.invoiceId, orderId: inv.orderId, bookedFor: owner });
      continue;
    }
    if (planned.has(inv.invoiceId) || seen?.acked) continue;
    const order = orderBooks.get(inv.orderId);
    if (!order) {
      waiting.push(inv);
      continue;
    }
    const version = seen ? seen.version : order.lastVersion + 1;
    if (!seen) {
      reservationOf(plan, inv.orderId, order).lastVersion = version;
      orderBooks.set(inv.orderId, { ...order, lastVersion: version });
    }
    plan.reservation.invoices.push({
      invoiceId: inv.invoiceId,
      orderId: inv.orderId,
      version,
      fresh: !seen,
    });
    planned.set(inv.invoiceId, inv.orderId);
    plan.events.push(invoiceEvent(inv, version, order.channel));
  }
  return { plan, waiting, conflicts };
}

/** The id of the invoice `inv` corrects, when it is a credit note naming one. */
export function correctedId(inv: { data: Record<string, unknown> }): string | undefined {
  const against = inv.data.againstInvoiceId;
  return typeof against === 'string' ? against : undefined;
}

/** An invoice's id and, for a credit note, the id it corrects: the books to read for it. */
export function invoiceAndCorrected(inv: ReadInvoice): string[] {
  const against = correctedId(inv);
  return against === undefined ? [inv.invoiceId] : [inv.invoiceId, against];
}

/** The order the invoice a credit note corrects is planned or booked for, if any. */
function correctedOwner(
  inv: ReadInvoice,
  planned: ReadonlyMap<string, string>,
  invoiceBooks: ReadonlyMap<string, InvoiceBook>,
): string | undefined {
  const against = correctedId(inv);
  return against === undefined
    ? undefined
    : (planned.get(against) ?? invoiceBooks.get(against)?.orderId);
}

/** The `invoice_creation` event of `inv` under `version`; its id depends on the invoice alone. */
export function invoiceEvent(inv: ReadInvoice, version: number, channel: string): ErpEvent {
  return {
    seq: 0,
    eventId: invoiceEventId(inv.orderId, inv.invoiceId),
    orderId: inv.orderId,
    channel,
    type: 'invoice_creation',
    erpVersion: version,
    occurredAt: inv.occurredAt,
    data: inv.data,
  } as ErpEvent;
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
