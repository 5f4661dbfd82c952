/**
 * The ERP side of reconciliation over the outbox (`order_events`) on MySQL,
 * MariaDB or PostgreSQL: an order's current state is its newest snapshot
 * event plus all its invoice events. The change marker is the event's
 * `occurred_at`, read newest `seq` first.
 */
import { jsonColumn } from '../../db/json-column';
import { occurredAtIso } from '../../erp/outbox/outbox-source';
import type { SqlClient, SqlRow } from '../../erp/sql/client';
import { idsAfterFilter, likePrefix } from './id-filter';
import type { IdPage, IdScope, OrderState, ReconcileErpSide } from '../ports';

const SNAPSHOT_TYPES = ['order_creation', 'order_updation'];

/** One statement, so the snapshot and the invoices come from one read view. */
const READ_ORDERS = `
SELECT e.order_id, e.channel, e.type, e.version, e.payload
  FROM order_events e
  JOIN (SELECT order_id, MAX(version) AS v FROM order_events
         WHERE order_id IN (:ids) AND type IN (:types) GROUP BY order_id) s
    ON s.order_id = e.order_id AND s.v = e.version
UNION ALL
SELECT order_id, channel, type, version, payload FROM order_events
 WHERE order_id IN (:ids) AND type = 'invoice_creation'`;

export class OutboxErpSide implements ReconcileErpSide {
  constructor(private readonly client: SqlClient) {}

  async readOrders(ids: readonly string[]): Promise<Map<string, OrderState>> {
    const out = new Map<string, OrderState>();
    if (ids.length === 0) return out;
    const wanted = new Set(ids);
    const rows = await this.client.query(READ_ORDERS, { ids, types: SNAPSHOT_TYPES });
    // Byte for byte: the ERP's collation may match ids that differ in case.
    for (const r of rows.filter((row) => wanted.has(String(row.order_id)))) {
      const orderId = String(r.order_id);
      const version = Number(r.version);
      const s = out.get(orderId) ?? {
        orderId,
        channel: String(r.channel),
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
        s.channel = String(r.channel);
      }
      s.highestVersion = Math.max(s.highestVersion, version);
      out.set(orderId, s);
    }
    return out;
  }

  async changedSince(
    since: Date,
    position: string | null,
    limit: number,
    scope: IdScope,
  ): Promise<IdPage> {
    const where: string[] = [];
    const params: Record<string, string | number> = { limit };
    if (position !== null) {
      where.push('seq < :position');
      params.position = Number(position);
    }
    if (scope.idPrefix !== undefined) {
      where.push('order_id LIKE :prefix');
      params.prefix = likePrefix(scope.idPrefix);
    }
    const rows = await this.client.query(
      `SELECT seq, order_id, occurred_at FROM order_events ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT :limit`,
      params,
    );
    const recent = rows.filter(
      (r: SqlRow) => new Date(occurredAtIso(r.occurred_at)).getTime() >= since.getTime(),
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
    const { where, params } = idsAfterFilter(afterId, scope, 'named');
    const rows = await this.client.query(
      `SELECT DISTINCT order_id FROM order_events ${where} ORDER BY order_id LIMIT :limit`,
      { ...params, limit },
    );
    return rows.map((r) => String(r.order_id));
  }
}
