/**
 * The ERP side of reconciliation over the query source: an order's current
 * state is the mapping's snapshot (`orders.sql`) and its invoices
 * (`order_invoices.sql`), read now from the ERP's own tables.
 *
 * The ERP has no versions here; ordersync numbers them (erp_query_orders).
 * An order whose snapshot hashes as booked has the booked version; one that
 * changed since has the next version, which the target cannot hold yet, so
 * it reads as `behind`; one ordersync never produced reads as version 1.
 */
import { assembleOrders, snapshotHash } from '../../erp/query/assemble';
import { markerText, wallClock } from '../../erp/query/marker';
import type { Keyset } from '../../erp/query/marker';
import type { MappingQueries } from '../../erp/query/mapping-queries';
import { readInvoiceRow } from '../../erp/query/query-feed';
import type { OrderBook, QueryState } from '../../erp/query/query-state';
import { correctedId, invoiceAndCorrected } from '../../erp/query/versioning';
import { likePrefix } from './id-filter';
import type { IdScope, OrderState, ReconcileErpSide } from '../ports';

/** The version the ERP's current snapshot has, or would get from the next poll. */
export function currentVersion(book: OrderBook | undefined, hash: Buffer, channel: string): number {
  if (!book) return 1;
  return book.hash.equals(hash) && book.channel === channel
    ? book.snapshotVersion
    : book.lastVersion + 1;
}

export class QueryErpSide implements ReconcileErpSide {
  constructor(
    private readonly queries: MappingQueries,
    private readonly state: QueryState,
  ) {}

  private get manifest() {
    return this.queries.mapping.manifest;
  }

  async readOrders(ids: readonly string[]): Promise<Map<string, OrderState>> {
    const out = new Map<string, OrderState>();
    if (ids.length === 0) return out;
    const wanted = new Set(ids);
    const [rows, invoiceRows, books] = await Promise.all([
      this.queries.orders(ids),
      this.queries.orderInvoices(ids),
      this.state.orders(ids),
    ]);
    for (const o of assembleOrders(rows, this.manifest)) {
      // Byte for byte: the ERP's collation may match ids that differ in case.
      if (!wanted.has(o.orderId)) continue;
      const book = books.get(o.orderId);
      const version = currentVersion(book, snapshotHash(o), o.channel);
      out.set(o.orderId, {
        orderId: o.orderId,
        channel: o.channel,
        snapshotVersion: version,
        highestVersion: Math.max(version, book?.lastVersion ?? 0),
        snapshot: o.data,
        invoices: [],
        ...(invoiceRows === null ? { invoicesUnknown: true } : {}),
      });
    }
    const invoices = (invoiceRows ?? []).map((r) =>
      readInvoiceRow(r, this.manifest.markerTimeZone),
    );
    // As the poll books them: an invoice id belongs to the one order it was
    // produced for (an invoice billing several orders is not the others'),
    // and a row repeated by a join is one invoice.
    // A credit note not booked yet belongs where the invoice it corrects is booked.
    const booked = await this.state.invoices([...new Set(invoices.flatMap(invoiceAndCorrected))]);
    const seen = new Set<string>();
    for (const inv of invoices) {
      const against = correctedId(inv);
      const owner =
        booked.get(inv.invoiceId)?.orderId ??
        (against === undefined ? undefined : booked.get(against)?.orderId);
      const key = JSON.stringify([inv.orderId, inv.invoiceId]);
      if ((owner !== undefined && owner !== inv.orderId) || seen.has(key)) continue;
      seen.add(key);
      out.get(inv.orderId)?.invoices.push(inv.data);
    }
    return out;
  }

  /**
   * Orders whose change marker is at or after `since`, through
   * `changed_orders.sql`, oldest first; the position is the keyset of the
   * last row read.
   */
  changedSince: ReconcileErpSide['changedSince'] = async (since, position, limit, scope) => {
    const start: Keyset = position
      ? (JSON.parse(position) as Keyset)
      : // One millisecond early: `changed_orders.sql` reads markers after `since`.
        { marker: wallClock(since.getTime() - 1, this.manifest.markerTimeZone), id: '' };
    const rows = await this.queries.changedOrders(start, limit);
    const last = rows.at(-1);
    const ids = rows
      .map((r) => r.orderId)
      .filter((id) => scope.idPrefix === undefined || id.startsWith(scope.idPrefix));
    return {
      ids,
      next:
        rows.length === limit && last
          ? JSON.stringify({ marker: markerText(last.marker), id: last.orderId })
          : null,
    };
  };

  /**
   * Every order id through the mapping's optional `all_orders.sql`; without
   * it, every order ordersync has produced (an order never produced is then
   * found only by the recent sweep).
   */
  async orderIdsAfter(afterId: string | null, limit: number, scope: IdScope): Promise<string[]> {
    const prefix = scope.idPrefix;
    if (!this.queries.mapping.sql.allOrders)
      return this.state.orderIdsAfter(
        afterId ?? '',
        limit,
        prefix !== undefined ? likePrefix(prefix) : undefined,
      );
    // The mapping has no prefix parameter: start just before the prefix and
    // filter. Its ids need not be contiguous in the ERP's collation (a
    // case-insensitive or locale order puts `so-a2` between `SO-A1` and
    // `SO-A3`), so no id outside the prefix ends the walk: only the last page.
    let after = afterId ?? (prefix !== undefined ? prefix.slice(0, -1) : '');
    const out: string[] = [];
    for (;;) {
      const page = (await this.queries.allOrderIds(after, limit)) ?? [];
      for (const id of page) {
        if (prefix === undefined || id.startsWith(prefix)) out.push(id);
        if (out.length === limit) return out;
      }
      if (page.length < limit) return out;
      after = page.at(-1)!;
    }
  }
}
