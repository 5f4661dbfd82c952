/**
 * The target side of reconciliation over a SQL mapping: each order is read
 * back through the mapping's `read_order.sql` (the same read the oracle
 * uses), and its versions come from ordersync's own sync state
 * (`ordersync_order_state`), which the apply writes in the same transaction
 * as the mapping's rows. The fields compared are the columns `read_order.sql`
 * returns, so a field the mapping never stores is not drift.
 */
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { fromSqlDateTime } from '../../db/time';
import type { Target } from '../../target/port';
import type { Mapping } from '../../target/sql/mapping';
import { DATE_FIELDS } from '../canonical';
import { keptFieldsOf } from '../projection';
import { orderIdsOf } from './id-filter';
import type { IdScope, KeptFields, OrderState, ReconcileTargetSide } from '../ports';

/** MySQL's column types for TIMESTAMP and DATETIME. */
const DATE_COLUMN_TYPES = new Set([7, 12]);

const SQL_DATETIME = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/;

/**
 * A date column read back as `YYYY-MM-DD HH:MM:SS` (UTC sessions) in ISO form;
 * one without fractional seconds stays without them, so the comparison knows
 * the target keeps whole seconds (alignDatePrecision).
 */
function isoDates(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    const m = DATE_FIELDS.has(k) && typeof v === 'string' ? SQL_DATETIME.exec(v) : null;
    out[k] = !m ? v : m[1] ? fromSqlDateTime(v as string) : `${(v as string).replace(' ', 'T')}Z`;
  }
  return out;
}

export class SqlTargetSide implements ReconcileTargetSide {
  private kept: Promise<KeptFields> | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly target: Target,
    private readonly mapping: Mapping,
  ) {}

  async readOrders(ids: readonly string[]): Promise<Map<string, OrderState>> {
    const out = new Map<string, OrderState>();
    if (ids.length === 0) return out;
    const [state] = await this.pool.query<RowDataPacket[]>(
      'SELECT order_id, snapshot_version, erp_version FROM ordersync_order_state WHERE order_id IN (?)',
      [ids],
    );
    const versions = new Map(state.map((r) => [String(r.order_id), r]));
    for (const id of ids) {
      const stored = await this.target.readOrder(this.pool, id);
      if (!stored) continue;
      const v = versions.get(id);
      const { channel, ...fields } = stored.fields;
      out.set(id, {
        orderId: id,
        channel: typeof channel === 'string' ? channel : '',
        snapshotVersion: Number(v?.snapshot_version ?? 0),
        highestVersion: Number(v?.erp_version ?? 0),
        snapshot: { ...fields, lines: stored.lines },
        invoices: stored.invoices.map(isoDates),
      });
    }
    return out;
  }

  /** The orders ordersync applied (its sync state): a mapping has no statement that lists the target's orders. */
  orderIdsAfter(afterId: string | null, limit: number, scope: IdScope): Promise<string[]> {
    return orderIdsOf(this.pool, 'ordersync_order_state', afterId, limit, scope);
  }

  /** The columns of `read_order.sql`, read once from the server's description of its result. */
  keptFields(): Promise<KeptFields> {
    this.kept ??= this.describeRead().catch((err: unknown) => {
      this.kept = null;
      throw err;
    });
    return this.kept;
  }

  private async describeRead(): Promise<KeptFields> {
    const columns: Array<{ name: string; wholeSeconds: boolean }> = [];
    for (const st of this.mapping.statements['read_order.sql']) {
      // No order has an empty id: the statement returns no row, only its columns.
      const [, fields] = await this.pool.execute<RowDataPacket[]>(
        st.sql,
        st.params.map(() => ''),
      );
      for (const f of fields)
        columns.push({
          name: f.name,
          wholeSeconds: DATE_COLUMN_TYPES.has(Number(f.type)) && Number(f.decimals) === 0,
        });
    }
    return keptFieldsOf(columns);
  }
}
