import type { SqlClient, SqlParams } from '../sql/client';
import type { Row } from './assemble';
import type { Keyset } from './marker';
import { MARKER_ORIGIN, markerText, wallClock, wallMs } from './marker';
import type { Mapping } from './mapping';

/**
 * Runs a mapping's SQL on the ERP. Every statement is given every parameter
 * under the names the manifest chose; a statement uses the ones it needs.
 */
export class MappingQueries {
  constructor(
    readonly client: SqlClient,
    readonly mapping: Mapping,
  ) {
    if (client.dialect !== mapping.manifest.dialect) {
      throw new Error(
        `mapping ${mapping.manifest.name} is written for ${mapping.manifest.dialect}, but the ERP URL is ${client.dialect}`,
      );
    }
  }

  private params(after: Keyset, limit: number, orderIds: readonly string[]): SqlParams {
    const p = this.mapping.manifest.parameters;
    return {
      [p.since]: after.marker,
      [p.afterId]: after.id,
      [p.limit]: limit,
      [p.orderIds]: orderIds,
    };
  }

  /** Orders changed after `after` (marker, then id), oldest first, at most `limit`. */
  async changedOrders(
    after: Keyset,
    limit: number,
  ): Promise<Array<{ orderId: string; marker: string }>> {
    const rows = await this.client.query(
      this.mapping.sql.changedOrders,
      this.params(after, limit, []),
    );
    return rows.map((r) => ({ orderId: String(r.order_id), marker: markerText(r.marker) }));
  }

  /**
   * The ERP database's own clock as a marker in the mapping's time zone: what
   * no row committed so far can honestly be later than. Read in UTC and
   * converted here, so the session's time zone does not matter.
   */
  async erpClock(): Promise<string> {
    const sql =
      this.client.dialect === 'postgres'
        ? "SELECT CAST(clock_timestamp() AT TIME ZONE 'UTC' AS text) AS now"
        : 'SELECT CAST(UTC_TIMESTAMP(6) AS CHAR) AS now';
    const [row] = await this.client.query(sql);
    return wallClock(wallMs(markerText(row?.now)), this.mapping.manifest.markerTimeZone);
  }

  /** The snapshot rows of `orderIds`: one row per line. */
  async orders(orderIds: readonly string[]): Promise<Row[]> {
    if (orderIds.length === 0) return [];
    return this.client.query(this.mapping.sql.orders, this.params(ORIGIN_KEYSET, 0, orderIds));
  }

  /** Invoices and credit notes changed after `after`, oldest first, at most `limit`. */
  async invoices(after: Keyset, limit: number): Promise<Row[]> {
    return this.client.query(this.mapping.sql.invoices, this.params(after, limit, []));
  }

  /** Order ids after `afterId` in the ERP's id order, at most `limit`; null without an `allOrders` query. */
  async allOrderIds(afterId: string, limit: number): Promise<string[] | null> {
    if (!this.mapping.sql.allOrders) return null;
    const rows = await this.client.query(
      this.mapping.sql.allOrders,
      this.params({ marker: MARKER_ORIGIN, id: afterId }, limit, []),
    );
    return rows.map((r) => String(r.order_id));
  }

  /** The invoices of `orderIds`, when the mapping has a query for them. */
  async orderInvoices(orderIds: readonly string[]): Promise<Row[] | null> {
    if (!this.mapping.sql.orderInvoices) return null;
    return this.client.query(
      this.mapping.sql.orderInvoices,
      this.params(ORIGIN_KEYSET, 0, orderIds),
    );
  }
}

const ORIGIN_KEYSET: Keyset = { marker: MARKER_ORIGIN, id: '' };
