import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
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

/** The part of a book a reservation compares with: a version never goes to two contents. */
export type BookKey = Pick<OrderBook, 'lastVersion' | 'snapshotVersion' | 'hash'>;

/** What a page does to one order's book, and the book it planned from. */
export interface OrderReservation {
  orderId: string;
  /** The stored book the plan read (null: none yet); the reserve fails if it changed since. */
  base: BookKey | null;
  channel: string;
  lastVersion: number;
  snapshotVersion: number;
  hash: Buffer;
  /** A snapshot is (re)produced under `snapshotVersion`: unacknowledged until Kafka has it. */
  snapshot: boolean;
}

/** Versions handed out before they are produced; acknowledged once Kafka has them. */
export interface Reservation {
  orders: OrderReservation[];
  /** `fresh`: a version new to the books (an invoice not booked before). */
  invoices: Array<{ invoiceId: string; orderId: string; version: number; fresh: boolean }>;
}

/** A reserve lost a race: another poll, backfill or replay booked the same order first. */
class BookMoved extends Error {}

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

  /**
   * Records versions as handed out but not yet acknowledged, in one
   * transaction, as a compare-and-set: each order's book must still be the
   * one the plan read (its `base`), and a fresh invoice must not be booked
   * yet. Returns false, writing nothing, when a concurrent poll, backfill or
   * replay got there first; the caller reads the books and the ERP again.
   */
  async reserve(r: Reservation): Promise<boolean> {
    if (r.orders.length + r.invoices.length === 0) return true;
    try {
      await inTransaction(this.pool, async (conn) => {
        for (const o of r.orders) {
          const values = [o.channel, o.lastVersion, o.snapshotVersion, o.hash];
          if (o.base === null) {
            await conn
              .query(
                `INSERT INTO erp_query_orders
                   (source, order_id, channel, last_version, snapshot_version, snapshot_hash, snapshot_acked, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?, 0, UTC_TIMESTAMP(3))`,
                [this.source, o.orderId, ...values],
              )
              .catch(movedOnDuplicate);
            continue;
          }
          // Matched rows, not changed ones (mysql2 connects with FOUND_ROWS).
          const [res] = await conn.query<ResultSetHeader>(
            `UPDATE erp_query_orders
                SET channel = ?, last_version = ?, snapshot_version = ?, snapshot_hash = ?,
                    snapshot_acked = IF(?, 0, snapshot_acked), updated_at = UTC_TIMESTAMP(3)
              WHERE source = ? AND order_id = ?
                AND last_version = ? AND snapshot_version = ? AND snapshot_hash = ?`,
            [
              ...values,
              o.snapshot ? 1 : 0,
              this.source,
              o.orderId,
              o.base.lastVersion,
              o.base.snapshotVersion,
              o.base.hash,
            ],
          );
          if (res.affectedRows !== 1) throw new BookMoved();
        }
        for (const i of r.invoices) {
          if (!i.fresh) continue;
          await conn
            .query(
              `INSERT INTO erp_query_invoices (source, invoice_id, order_id, version, acked, updated_at)
               VALUES (?, ?, ?, ?, 0, UTC_TIMESTAMP(3))`,
              [this.source, i.invoiceId, i.orderId, i.version],
            )
            .catch(movedOnDuplicate);
        }
      });
      return true;
    } catch (err) {
      if (err instanceof BookMoved) return false;
      throw err;
    }
  }

  /** Marks a page's versions acknowledged and moves a scan's watermark, in one transaction. */
  async acknowledge(r: Reservation, watermark?: { scan: string; at: Keyset }): Promise<void> {
    await inTransaction(this.pool, async (conn) => {
      for (const o of r.orders) {
        if (!o.snapshot) continue;
        await conn.query(
          `UPDATE erp_query_orders SET snapshot_acked = 1, updated_at = UTC_TIMESTAMP(3)
            WHERE source = ? AND order_id = ? AND snapshot_version = ? AND snapshot_hash = ?`,
          [this.source, o.orderId, o.snapshotVersion, o.hash],
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

function movedOnDuplicate(err: unknown): never {
  if ((err as { code?: string }).code === 'ER_DUP_ENTRY') throw new BookMoved();
  throw err;
}
