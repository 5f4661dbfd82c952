/**
 * The query source: reads an ERP's own tables through a mapping, as a feed
 * for the poll and as the order history for a replay.
 *
 * Every pass starts `lookbackMs` behind the saved watermark, because an ERP's
 * modification timestamp is taken when a transaction writes, not when it
 * commits (Odoo's `write_date` is the transaction's start): a row committed
 * late carries a marker older than rows already read. Re-reading costs reads,
 * not events, since an unchanged snapshot hash produces nothing. A change that
 * commits later than the look-back after its marker is caught only by a
 * replay or a backfill. The watermark saved never passes the ERP's clock at
 * the pass's start (see Pass.clock).
 */
import { createLogger } from '../../log';
import { countFutureMarkers, countInvoiceConflicts } from '../../observability/metrics';
import type { ErpFeed, FeedPage } from '../feed';
import type { ErpEvent, OrderHistorySource } from '../source';
import { assembleInvoice, assembleOrders, text } from './assemble';
import type { AssembledOrder, Row } from './assemble';
import type { MappingQueries } from './mapping-queries';
import {
  MARKER_ORIGIN,
  earlierMarker,
  laterMarker,
  markerMinus,
  markerText,
  markerToIso,
  wallMs,
} from './marker';
import type { Keyset } from './marker';
import type { OrderBook, QueryState } from './query-state';
import {
  emptyPlan,
  invoiceAndCorrected,
  invoiceEvent,
  planInvoices,
  planSnapshots,
  snapshotEvent,
} from './versioning';
import type { InvoiceConflict, PlannedPage, ReadInvoice } from './versioning';

const log = createLogger('query-source');

/** Produces events to Kafka and resolves once Kafka acknowledged every one (the poll's producer). */
export type Publish = (events: ErpEvent[]) => Promise<unknown>;

export interface QueryFeedOptions {
  lookbackMs: number;
  /** Keep only orders of this channel (a backfill's `--channel`). */
  channel?: string;
  /**
   * Where a replay produces the versions it hands out (a changed snapshot, an
   * invoice never booked) before it returns them, as the poll would: booked
   * only after Kafka acknowledged. Without it such a replay fails.
   */
  publish?: Publish;
}

type ScanKind = 'orders' | 'invoices';

interface Pass {
  kind: ScanKind;
  /** Where the next read starts. */
  keyset: Keyset;
  /** The highest marker read in this pass (or the saved watermark). */
  high: string;
  /**
   * The ERP's clock when the pass began. The poll saves no watermark past
   * it: a marker ahead of the ERP's clock (a wrong zone) must not carry the
   * watermark over rows still to come, and the next pass's look-back is
   * measured from this pass's start, however long the pass took.
   */
  clock: string;
  startedMs: number;
}

/** Markers this far ahead of the ERP's clock count as future-dated (app servers' clocks drift a little). */
const FUTURE_TOLERANCE_MS = 1_000;
/** Attempts at booking one page before the poll gives up and retries later. */
const RESERVE_ATTEMPTS = 5;

/** Watermark rows per scan: `orders`, `invoices`, and a backfill's own pair. */
export function scanName(kind: ScanKind, prefix = ''): string {
  return `${prefix}${kind}`;
}

export class QueryFeed implements ErpFeed, OrderHistorySource {
  private pass: Pass | null = null;

  constructor(
    private readonly queries: MappingQueries,
    private readonly state: QueryState,
    private readonly opts: QueryFeedOptions,
    /** A backfill keeps its own watermarks under this prefix and has no look-back. */
    private readonly scanPrefix = '',
  ) {}

  private get timeZone(): string {
    return this.queries.mapping.manifest.markerTimeZone;
  }

  /** Starts a scan at the saved watermark minus the look-back (a backfill: at its own keyset). */
  private async startPass(kind: ScanKind): Promise<Pass> {
    const [saved, clock] = await Promise.all([
      this.state.watermark(scanName(kind, this.scanPrefix)),
      this.queries.erpClock(),
    ]);
    const at = saved ?? { marker: MARKER_ORIGIN, id: '' };
    const base = { kind, high: at.marker, clock, startedMs: Date.now() };
    if (this.scanPrefix !== '') return { ...base, keyset: at };
    return { ...base, keyset: { marker: markerMinus(at.marker, this.opts.lookbackMs), id: '' } };
  }

  async next(limit: number): Promise<FeedPage> {
    const pass = this.pass ?? (await this.startPass('orders'));
    let last: Keyset | undefined;
    let markers: Array<{ id: string; marker: string }>;
    let plan: PlannedPage;
    if (pass.kind === 'orders') {
      const changed = await this.queries.changedOrders(pass.keyset, limit);
      markers = changed.map((c) => ({ id: c.orderId, marker: c.marker }));
      const byOrder = new Map(changed.map((c) => [c.orderId, c.marker]));
      plan = await this.reserved((p) => this.planOrders([...byOrder.keys()], byOrder, p));
      const tail = changed.at(-1);
      if (tail) last = { marker: tail.marker, id: tail.orderId };
    } else {
      const rows = await this.queries.invoices(pass.keyset, limit);
      markers = rows.map((r) => ({ id: String(r.order_id), marker: markerText(r.marker) }));
      plan = await this.reserved((p) => this.planInvoiceRows(rows, p));
      const tail = rows.at(-1);
      if (tail) last = { marker: markerText(tail.marker), id: String(tail.invoice_id) };
    }
    this.reportFuture(pass, markers);
    const done = markers.length < limit;
    const high = last ? laterMarker(pass.high, last.marker) : pass.high;
    // A backfill resumes exactly where it stopped; the poll re-reads its look-back anyway.
    const saved: Keyset =
      this.scanPrefix !== ''
        ? (last ?? pass.keyset)
        : { marker: earlierMarker(high, pass.clock), id: '' };
    const after: Pass | null = !done
      ? { ...pass, keyset: last ?? pass.keyset, high }
      : pass.kind === 'orders'
        ? await this.startPass('invoices')
        : null;
    const position = (m: string) => ({ position: wallMs(m), gaps: 0 });
    return {
      events: plan.events,
      droppedGaps: [],
      late: [],
      forgotten: [],
      full: after !== null,
      before: position(pass.high),
      after: position(saved.marker),
      commit: async () => {
        await this.state.acknowledge(plan.reservation, {
          scan: scanName(pass.kind, this.scanPrefix),
          at: saved,
        });
        this.pass = after;
      },
    };
  }

  /**
   * Plans a page with `planner` and books it. The books are read before the
   * ERP, and the booking is a compare-and-set on them: when a concurrent
   * poll, backfill or replay booked one of the orders in between, the page
   * is planned again from fresh reads, so no version goes to two contents
   * and no older read is booked after a newer one.
   */
  private async reserved(planner: (plan: PlannedPage) => Promise<unknown>): Promise<PlannedPage> {
    for (let attempt = 1; ; attempt++) {
      const plan = emptyPlan();
      await planner(plan);
      if (await this.state.reserve(plan.reservation)) return plan;
      if (attempt >= RESERVE_ATTEMPTS) {
        throw new Error(
          `the query source's books kept changing under this read (${attempt} attempts); another poll, backfill or replay is booking the same orders`,
        );
      }
      log.info(
        'books changed under the read (a concurrent poll, backfill or replay); reading again',
        {
          attempt,
        },
      );
    }
  }

  /** Rows whose marker is ahead of the ERP's clock: counted and logged by order id. */
  private reportFuture(pass: Pass, rows: ReadonlyArray<{ id: string; marker: string }>): void {
    const now = wallMs(pass.clock) + (Date.now() - pass.startedMs) + FUTURE_TOLERANCE_MS;
    const ahead = rows.filter((r) => wallMs(r.marker) > now);
    if (ahead.length === 0) return;
    countFutureMarkers(ahead.length);
    log.warn(
      'change markers ahead of the ERP clock (is markerTimeZone right?); the watermark stays at the clock and these rows are read again until it passes them',
      {
        count: ahead.length,
        erpClock: pass.clock,
        orderIds: [...new Set(ahead.map((r) => r.id))].slice(0, 200),
      },
    );
  }

  /**
   * Snapshots of `orderIds` planned into `plan`; returns the books, updated
   * with the reservations. The books are read first, then the ERP: a
   * concurrent booking in between fails this page's compare-and-set.
   */
  private async planOrders(
    orderIds: readonly string[],
    markers: ReadonlyMap<string, string>,
    plan: PlannedPage,
    occurredAt?: string,
  ) {
    const books = await this.state.orders(orderIds);
    const rows = await this.queries.orders(orderIds);
    let orders = assembleOrders(rows, this.queries.mapping.manifest);
    if (this.opts.channel !== undefined)
      orders = orders.filter((o) => o.channel === this.opts.channel);
    planSnapshots(
      orders,
      books,
      (id) => occurredAt ?? markerToIso(markers.get(id) ?? MARKER_ORIGIN, this.timeZone),
      plan,
    );
    return { books, orders };
  }

  private async planInvoiceRows(read: readonly Row[], plan: PlannedPage): Promise<void> {
    const rows = [...(await this.correctedInvoices(read)), ...read];
    const invoices: ReadInvoice[] = rows.map((r) => this.readInvoice(r));
    const orderIds = [...new Set(invoices.map((i) => i.orderId))];
    const [invoiceBooks, orderBooks] = await Promise.all([
      // The corrected invoices' books too: a credit note goes to its invoice's order.
      this.state.invoices([...new Set(invoices.flatMap(invoiceAndCorrected))]),
      this.state.orders(orderIds),
    ]);
    const first = planInvoices(invoices, invoiceBooks, orderBooks, plan);
    reportConflicts(first.conflicts);
    if (first.waiting.length === 0) return;
    // Invoices of orders not produced yet: produce those orders first, in the same page.
    const markers = new Map(
      first.waiting.map((i) => [i.orderId, markerText(rowOf(rows, i).marker)]),
    );
    const { books } = await this.planOrders([...markers.keys()], markers, plan);
    for (const [id, book] of books) orderBooks.set(id, book);
    const second = planInvoices(first.waiting, invoiceBooks, orderBooks, plan);
    reportConflicts(second.conflicts);
    for (const inv of second.waiting) {
      log.warn('invoice skipped: the mapping returns no order for it', {
        invoiceId: inv.invoiceId,
        orderId: inv.orderId,
      });
    }
  }

  /**
   * The invoices that credit notes in `rows` correct, when they are neither
   * in `rows` nor booked, read through `order_invoices.sql` so that they are
   * booked first. Otherwise a page boundary between the two, or an invoice
   * whose marker moved after its credit note (closed as paid by it), gives
   * the credit note the lower version: a correction of an invoice the apply
   * has not seen. Without that query, or for an invoice it does not return
   * (one from before ordersync read this ERP), the credit note goes alone.
   */
  private async correctedInvoices(rows: readonly Row[]): Promise<Row[]> {
    const read = new Set(rows.map((r) => String(r.invoice_id)));
    const wanted = new Map<string, string>();
    for (const r of rows) {
      const against = text(r.against_invoice_id);
      if (against === undefined || read.has(against)) continue;
      wanted.set(against, String(r.order_id));
    }
    if (wanted.size === 0) return [];
    // Only what Kafka acknowledged is settled: a reserved, unacknowledged invoice is read again.
    for (const [id, book] of await this.state.invoices([...wanted.keys()]))
      if (book.acked) wanted.delete(id);
    if (wanted.size === 0) return [];
    const found = (await this.queries.orderInvoices([...new Set(wanted.values())])) ?? [];
    return found.filter((r) => wanted.get(String(r.invoice_id)) === String(r.order_id));
  }

  private readInvoice(r: Row): ReadInvoice {
    return readInvoiceRow(r, this.timeZone);
  }

  /** Orders changed after the saved watermark (up to 500), for the lag gauge. */
  async backlog() {
    const saved = await this.state.watermark(scanName('orders', this.scanPrefix));
    const changed = await this.queries.changedOrders(
      saved ?? { marker: MARKER_ORIGIN, id: '' },
      500,
    );
    return { lag: changed.length, gaps: 0 };
  }

  /**
   * A replay reads the order's current snapshot and its invoices: the ERP's
   * current state is the only history it has. What the books already hold
   * keeps its version; what they do not (a snapshot that changed since it was
   * produced, an invoice never booked, an order never produced) is booked as
   * the poll books it, produced to Kafka, acknowledged, and only then
   * returned, with the version it was given: never an old version with new
   * content.
   */
  async fetchOrderEvents(orderId: string, fromVersion: number, limit: number): Promise<ErpEvent[]> {
    const now = new Date().toISOString();
    let current: { order?: AssembledOrder; invoices: ReadInvoice[]; books: Map<string, OrderBook> };
    const invoiceVersions = new Map<string, number>();
    const plan = await this.reserved(async (p) => {
      invoiceVersions.clear();
      const { books, orders } = await this.planOrders([orderId], new Map(), p, now);
      const rows = (await this.queries.orderInvoices([orderId])) ?? [];
      // One per invoice id: a join that doubled a row is the same invoice.
      const invoices = [
        ...new Map(
          rows
            .map((r) => this.readInvoice(r))
            .filter((i) => i.orderId === orderId)
            .map((i) => [i.invoiceId, i] as const),
        ).values(),
      ];
      const invoiceBooks = await this.state.invoices([
        ...new Set(invoices.flatMap(invoiceAndCorrected)),
      ]);
      // A version from another order's counter is not this order's.
      for (const [id, b] of invoiceBooks)
        if (b.orderId === orderId) invoiceVersions.set(id, b.version);
      reportConflicts(planInvoices(invoices, invoiceBooks, books, p).conflicts);
      current = { order: orders.find((o) => o.orderId === orderId), invoices, books };
    });
    if (plan.events.length > 0) {
      if (!this.opts.publish) {
        throw new Error(
          `replay of ${orderId} found content the books do not hold, and this query source has no producer to publish it`,
        );
      }
      await this.opts.publish(plan.events);
      await this.state.acknowledge(plan.reservation);
    }
    for (const i of plan.reservation.invoices) invoiceVersions.set(i.invoiceId, i.version);
    const { order, invoices, books } = current!;
    const book = books.get(orderId);
    const events: ErpEvent[] = [];
    if (order && book) events.push(snapshotEvent(order, book.snapshotVersion, book.hash, now));
    for (const inv of invoices) {
      const version = invoiceVersions.get(inv.invoiceId);
      if (version !== undefined && book) events.push(invoiceEvent(inv, version, book.channel));
    }
    return events
      .filter((e) => e.erpVersion >= fromVersion)
      .sort((a, b) => a.erpVersion - b.erpVersion)
      .slice(0, limit);
  }
}

/** Invoice rows that name another order than their id's: counted, and logged by order id. */
function reportConflicts(conflicts: readonly InvoiceConflict[]): void {
  if (conflicts.length === 0) return;
  countInvoiceConflicts(conflicts.length);
  for (const c of conflicts.slice(0, 50)) {
    log.warn(
      'invoice skipped for this order: its id already belongs to another order (an invoice billing several orders is produced for the first only)',
      { invoiceId: c.invoiceId, orderId: c.orderId, producedFor: c.bookedFor },
    );
  }
}

/** One `invoices.sql` / `order_invoices.sql` row, its dates read in the ERP's time zone. */
export function readInvoiceRow(r: Row, timeZone: string): ReadInvoice {
  const issued = String(r.issued_at);
  const issuedMarker = /^\d{4}-\d\d-\d\d$/.test(issued)
    ? `${issued} 00:00:00`
    : markerText(r.issued_at);
  return {
    invoiceId: String(r.invoice_id),
    orderId: String(r.order_id),
    data: assembleInvoice(r, markerToIso(issuedMarker, timeZone)),
    occurredAt: markerToIso(markerText(r.marker), timeZone),
  };
}

function rowOf(rows: readonly Row[], inv: ReadInvoice): Row {
  return rows.find((r) => String(r.invoice_id) === inv.invoiceId)!;
}
