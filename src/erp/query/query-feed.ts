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
 * replay, a backfill or reconciliation.
 */
import { createLogger } from '../../log';
import type { ErpFeed, FeedPage } from '../feed';
import type { ErpEvent, OrderHistorySource } from '../source';
import { assembleInvoice, assembleOrders, snapshotEventId, snapshotHash } from './assemble';
import type { Row } from './assemble';
import type { MappingQueries } from './mapping-queries';
import { MARKER_ORIGIN, laterMarker, markerMinus, markerText, markerToIso, wallMs } from './marker';
import type { Keyset } from './marker';
import type { QueryState } from './query-state';
import { emptyPlan, planInvoices, planSnapshots } from './versioning';
import type { PlannedPage, ReadInvoice } from './versioning';

const log = createLogger('query-source');

export interface QueryFeedOptions {
  lookbackMs: number;
  /** Keep only orders of this channel (a backfill's `--channel`). */
  channel?: string;
}

type ScanKind = 'orders' | 'invoices';

interface Pass {
  kind: ScanKind;
  /** Where the next read starts. */
  keyset: Keyset;
  /** The highest marker read in this pass (or the saved watermark), saved as the watermark. */
  high: string;
}

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
    const saved = await this.state.watermark(scanName(kind, this.scanPrefix));
    const at = saved ?? { marker: MARKER_ORIGIN, id: '' };
    if (this.scanPrefix !== '') return { kind, keyset: at, high: at.marker };
    return {
      kind,
      keyset: { marker: markerMinus(at.marker, this.opts.lookbackMs), id: '' },
      high: at.marker,
    };
  }

  async next(limit: number): Promise<FeedPage> {
    const pass = this.pass ?? (await this.startPass('orders'));
    const plan = emptyPlan();
    let last: Keyset | undefined;
    let count: number;
    if (pass.kind === 'orders') {
      const changed = await this.queries.changedOrders(pass.keyset, limit);
      count = changed.length;
      const markers = new Map(changed.map((c) => [c.orderId, c.marker]));
      await this.planOrders([...markers.keys()], markers, plan);
      const tail = changed.at(-1);
      if (tail) last = { marker: tail.marker, id: tail.orderId };
    } else {
      const rows = await this.queries.invoices(pass.keyset, limit);
      count = rows.length;
      await this.planInvoiceRows(rows, plan);
      const tail = rows.at(-1);
      if (tail) last = { marker: markerText(tail.marker), id: String(tail.invoice_id) };
    }
    await this.state.reserve(plan.reservation);
    const done = count < limit;
    const high = last ? laterMarker(pass.high, last.marker) : pass.high;
    // A backfill resumes exactly where it stopped; the poll re-reads its look-back anyway.
    const saved: Keyset = this.scanPrefix !== '' ? (last ?? pass.keyset) : { marker: high, id: '' };
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
      after: position(high),
      commit: async () => {
        await this.state.acknowledge(plan.reservation, {
          scan: scanName(pass.kind, this.scanPrefix),
          at: saved,
        });
        this.pass = after;
      },
    };
  }

  /** Snapshots of `orderIds` planned into `plan`; returns the books, updated with the reservations. */
  private async planOrders(
    orderIds: readonly string[],
    markers: ReadonlyMap<string, string>,
    plan: PlannedPage,
  ) {
    const [rows, books] = await Promise.all([
      this.queries.orders(orderIds),
      this.state.orders(orderIds),
    ]);
    let orders = assembleOrders(rows, this.queries.mapping.manifest);
    if (this.opts.channel !== undefined)
      orders = orders.filter((o) => o.channel === this.opts.channel);
    planSnapshots(
      orders,
      books,
      (id) => markerToIso(markers.get(id) ?? MARKER_ORIGIN, this.timeZone),
      plan,
    );
    return books;
  }

  private async planInvoiceRows(rows: readonly Row[], plan: PlannedPage): Promise<void> {
    const invoices: ReadInvoice[] = rows.map((r) => this.readInvoice(r));
    const orderIds = [...new Set(invoices.map((i) => i.orderId))];
    const [invoiceBooks, orderBooks] = await Promise.all([
      this.state.invoices(invoices.map((i) => i.invoiceId)),
      this.state.orders(orderIds),
    ]);
    const first = planInvoices(invoices, invoiceBooks, orderBooks, plan);
    if (first.waiting.length === 0) return;
    // Invoices of orders not produced yet: produce those orders first, in the same page.
    const markers = new Map(
      first.waiting.map((i) => [i.orderId, markerText(rowOf(rows, i).marker)]),
    );
    const books = await this.planOrders([...markers.keys()], markers, plan);
    for (const [id, book] of books) orderBooks.set(id, book);
    const second = planInvoices(first.waiting, invoiceBooks, orderBooks, plan);
    for (const inv of second.waiting) {
      log.warn('invoice skipped: the mapping returns no order for it', {
        invoiceId: inv.invoiceId,
        orderId: inv.orderId,
      });
    }
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
   * current state is the only history it has. What ordersync produced before
   * comes again with its own version and event id (the ledger drops what was
   * applied). What it never produced (a change or an invoice the poll missed,
   * an order it never saw) gets the next version, reserved and acknowledged
   * here as the poll would, so the same content never gets two versions and
   * the next poll finds nothing new.
   */
  async fetchOrderEvents(orderId: string, fromVersion: number, limit: number): Promise<ErpEvent[]> {
    const [rows, invoiceRows, books, booked] = await Promise.all([
      this.queries.orders([orderId]),
      this.queries.orderInvoices([orderId]),
      this.state.orders([orderId]),
      this.state.invoicesOfOrder(orderId),
    ]);
    const order = assembleOrders(rows, this.queries.mapping.manifest)[0];
    const now = new Date().toISOString();
    const plan = emptyPlan();
    const book = books.get(orderId);
    const events: ErpEvent[] = [];
    if (order && book?.hash.equals(snapshotHash(order)) && book.channel === order.channel) {
      const v = book.snapshotVersion;
      events.push({
        seq: 0,
        eventId: snapshotEventId(orderId, v, snapshotHash(order)),
        orderId,
        channel: order.channel,
        type: v === 1 ? 'order_creation' : 'order_updation',
        erpVersion: v,
        occurredAt: now,
        data: order.data,
      } as ErpEvent);
    } else if (order) planSnapshots([order], books, () => now, plan);
    // Booked invoices come again as they were (an unacknowledged book re-plans the same version).
    const versions = new Map(booked.map((i) => [i.invoiceId, i.version]));
    const invoiceBooks = new Map(
      [...versions].map(([invoiceId, version]) => [invoiceId, { orderId, version, acked: false }]),
    );
    const invoices = (invoiceRows ?? []).map((r) => this.readInvoice(r));
    planInvoices(invoices, invoiceBooks, books, plan);
    const fresh = {
      ...plan.reservation,
      invoices: plan.reservation.invoices.filter((i) => !versions.has(i.invoiceId)),
    };
    await this.state.reserve(fresh);
    await this.state.acknowledge(fresh);
    return [...events, ...plan.events]
      .filter((e) => e.erpVersion >= fromVersion)
      .sort((a, b) => a.erpVersion - b.erpVersion)
      .slice(0, limit);
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
