/**
 * The ERP side of reconciliation over the outbox (`order_events`): an order's
 * current state is its newest snapshot event plus all its invoice events.
 * The change marker is the event's `occurred_at`, read newest `seq` first.
 */
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { jsonColumn } from '../../db/json-column';
import { fromSqlDateTime } from '../../db/time';
import { idsAfterFilter, likePrefix } from './id-filter';
import type { IdPage, IdScope, OrderState, ReconcileErpSide } from '../ports';

interface EventRow extends RowDataPacket {
  order_id: string;
  channel: string;
  type: string;
  version: number;
  payload: unknown;
}

const SNAPSHOT_TYPES = ['order_creation', 'order_updation'];

/** One statement, so the snapshot and the invoices come from one read view. */
const READ_ORDERS = `
SELECT e.order_id, e.channel, e.type, e.version, e.payload
  FROM order_events e
  JOIN (SELECT order_id, MAX(version) AS v FROM order_events
         WHERE order_id IN (?) AND type IN (?) GROUP BY order_id) s
    ON s.order_id = e.order_id AND s.v = e.version
UNION ALL
SELECT order_id, channel, type, version, payload FROM order_events
 WHERE order_id IN (?) AND type = 'invoice_creation'`;

export class OutboxErpSide implements ReconcileErpSide {
  constructor(private readonly pool: Pool) {}

  async readOrders(ids: readonly string[]): Promise<Map<string, OrderState>> {
    const out = new Map<string, OrderState>();
    if (ids.length === 0) return out;
    const wanted = new Set(ids);
    const [rows] = await this.pool.query<EventRow[]>(READ_ORDERS, [ids, SNAPSHOT_TYPES, ids]);
    // Byte for byte: the ERP's collation may match ids that differ in case.
    for (const r of rows.filter((row) => wanted.has(row.order_id))) {
      const version = Number(r.version);
      const s = out.get(r.order_id) ?? {
        orderId: r.order_id,
        channel: r.channel,
        snapshotVersion: 0,
        highestVersion: 0,
        snapshot: {},
        invoices: [],
      };
      const data = jsonColumn<Record<string, unknown>>(r.payload);
      if (r.type === 'invoice_creation') s.invoices.push(data);
      else {
        s.snapshot = data;
        s.snapshotVersion = version;
        s.channel = r.channel;
      }
      s.highestVersion = Math.max(s.highestVersion, version);
      out.set(r.order_id, s);
    }
    return out;
  }

  async changedSince(
    since: Date,
    position: string | null,
    limit: number,
    scope: IdScope,
  ): Promise<IdPage> {
    const where = ['seq < ?'];
    const params: unknown[] = [position ?? '18446744073709551615'];
    if (scope.idPrefix !== undefined) {
      where.push('order_id LIKE ?');
      params.push(likePrefix(scope.idPrefix));
    }
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT seq, order_id, occurred_at FROM order_events WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT ?`,
      [...params, limit],
    );
    const recent = rows.filter(
      (r) => new Date(fromSqlDateTime(String(r.occurred_at))).getTime() >= since.getTime(),
    );
    // Commits arrive a little out of time order, so the walk stops only at a
    // page that is wholly older than `since`, not at the first older row.
    const more = rows.length === limit && recent.length > 0;
    return {
      ids: recent.map((r) => String(r.order_id)),
      next: more ? String(rows.at(-1)!.seq) : null,
    };
  }

  async orderIdsAfter(afterId: string | null, limit: number, scope: IdScope): Promise<string[]> {
    const { where, params } = idsAfterFilter(afterId, scope);
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT DISTINCT order_id FROM order_events ${where} ORDER BY order_id LIMIT ?`,
      [...params, limit],
    );
    return rows.map((r) => String(r.order_id));
  }
}
