import type { Pool, RowDataPacket } from 'mysql2/promise';
import { inTransaction } from '../../db/transaction';
import type { Keyset } from './marker';

/** What ordersync last handed out for one order. */
export interface OrderBook {
  channel: string;
  lastVersion: number;
  snapshotVersion: number;
  hash: Buffer;
  acked: boolean;
}

export interface InvoiceBook {
  orderId: string;
  version: number;
  acked: boolean;
}

/** A version handed out before it is produced; acknowledged once Kafka has it. */
export interface Reservation {
  orders: Array<{
    orderId: string;
    channel: string;
    lastVersion: number;
    snapshotVersion: number;
    hash: Buffer;
  }>;
  invoices: Array<{ invoiceId: string; orderId: string; version: number }>;
  /** Orders whose `last_version` an invoice raised without a new snapshot. */
  raised: Array<{ orderId: string; lastVersion: number }>;
}

const UPSERT_WATERMARK = `INSERT INTO erp_query_watermarks (source, scan, marker, marker_id, updated_at)
  VALUES (?, ?, ?, ?, UTC_TIMESTAMP(3))
  ON DUPLICATE KEY UPDATE marker = VALUES(marker), marker_id = VALUES(marker_id), updated_at = VALUES(updated_at)`;

/** The query source's books in the target MySQL (migration 015), keyed by source name. */
export class QueryState {
  constructor(
    private readonly pool: Pool,
    readonly source: string,
  ) {}

  async watermark(scan: string): Promise<Keyset | null> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      'SELECT marker, marker_id FROM erp_query_watermarks WHERE source = ? AND scan = ?',
      [this.source, scan],
    );
    const r = rows[0];
    return r ? { marker: String(r.marker), id: String(r.marker_id) } : null;
  }

  async setWatermark(scan: string, at: Keyset): Promise<void> {
    await this.pool.query(UPSERT_WATERMARK, [this.source, scan, at.marker, at.id]);
  }

  async orders(orderIds: readonly string[]): Promise<Map<string, OrderBook>> {
    if (orderIds.length === 0) return new Map();
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT order_id, channel, last_version, snapshot_version, snapshot_hash, snapshot_acked
         FROM erp_query_orders WHERE source = ? AND order_id IN (?)`,
      [this.source, orderIds],
    );
    return new Map(
      rows.map((r) => [
        String(r.order_id),
        {
          channel: String(r.channel),
          lastVersion: Number(r.last_version),
          snapshotVersion: Number(r.snapshot_version),
          hash: r.snapshot_hash as Buffer,
          acked: Number(r.snapshot_acked) === 1,
        },
      ]),
    );
  }

  async invoices(invoiceIds: readonly string[]): Promise<Map<string, InvoiceBook>> {
    if (invoiceIds.length === 0) return new Map();
    const [rows] = await this.pool.query<RowDataPacket[]>(
      'SELECT invoice_id, order_id, version, acked FROM erp_query_invoices WHERE source = ? AND invoice_id IN (?)',
      [this.source, invoiceIds],
    );
    return new Map(
      rows.map((r) => [
        String(r.invoice_id),
        { orderId: String(r.order_id), version: Number(r.version), acked: Number(r.acked) === 1 },
      ]),
    );
  }

  /** Ids of the orders this source has produced, after `afterId` by id (LIKE `pattern` when given). */
  async orderIdsAfter(afterId: string, limit: number, pattern?: string): Promise<string[]> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT order_id FROM erp_query_orders WHERE source = ? AND order_id > ?
         ${pattern !== undefined ? 'AND order_id LIKE ?' : ''} ORDER BY order_id LIMIT ?`,
      [this.source, afterId, ...(pattern !== undefined ? [pattern] : []), limit],
    );
    return rows.map((r) => String(r.order_id));
  }

  /** One order's invoices with their versions, for a replay. */
  async invoicesOfOrder(orderId: string): Promise<Array<{ invoiceId: string; version: number }>> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      'SELECT invoice_id, version FROM erp_query_invoices WHERE source = ? AND order_id = ? ORDER BY version',
      [this.source, orderId],
    );
    return rows.map((r) => ({ invoiceId: String(r.invoice_id), version: Number(r.version) }));
  }

  /** Records versions as handed out but not yet acknowledged, in one transaction. */
  async reserve(r: Reservation): Promise<void> {
    if (r.orders.length + r.invoices.length + r.raised.length === 0) return;
    await inTransaction(this.pool, async (conn) => {
      for (const o of r.orders) {
        await conn.query(
          `INSERT INTO erp_query_orders
             (source, order_id, channel, last_version, snapshot_version, snapshot_hash, snapshot_acked, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, 0, UTC_TIMESTAMP(3))
           ON DUPLICATE KEY UPDATE channel = VALUES(channel), last_version = VALUES(last_version), snapshot_version = VALUES(snapshot_version),
             snapshot_hash = VALUES(snapshot_hash), snapshot_acked = 0, updated_at = VALUES(updated_at)`,
          [this.source, o.orderId, o.channel, o.lastVersion, o.snapshotVersion, o.hash],
        );
      }
      for (const o of r.raised) {
        await conn.query(
          `UPDATE erp_query_orders SET last_version = GREATEST(last_version, ?), updated_at = UTC_TIMESTAMP(3)
            WHERE source = ? AND order_id = ?`,
          [o.lastVersion, this.source, o.orderId],
        );
      }
      for (const i of r.invoices) {
        await conn.query(
          `INSERT INTO erp_query_invoices (source, invoice_id, order_id, version, acked, updated_at)
           VALUES (?, ?, ?, ?, 0, UTC_TIMESTAMP(3))
           ON DUPLICATE KEY UPDATE order_id = VALUES(order_id), version = VALUES(version), updated_at = VALUES(updated_at)`,
          [this.source, i.invoiceId, i.orderId, i.version],
        );
      }
    });
  }

  /** Marks a page's versions acknowledged and moves a scan's watermark, in one transaction. */
  async acknowledge(r: Reservation, watermark?: { scan: string; at: Keyset }): Promise<void> {
    await inTransaction(this.pool, async (conn) => {
      for (const o of r.orders) {
        await conn.query(
          `UPDATE erp_query_orders SET snapshot_acked = 1, updated_at = UTC_TIMESTAMP(3)
            WHERE source = ? AND order_id = ? AND snapshot_version = ?`,
          [this.source, o.orderId, o.snapshotVersion],
        );
      }
      for (const i of r.invoices) {
        await conn.query(
          `UPDATE erp_query_invoices SET acked = 1, updated_at = UTC_TIMESTAMP(3)
            WHERE source = ? AND invoice_id = ? AND version = ?`,
          [this.source, i.invoiceId, i.version],
        );
      }
      if (watermark) {
        await conn.query(UPSERT_WATERMARK, [
          this.source,
          watermark.scan,
          watermark.at.marker,
          watermark.at.id,
        ]);
      }
    });
  }
}
