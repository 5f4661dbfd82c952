import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { IdScope } from '../ports';

/** `LIKE` pattern for an id prefix, with the wildcards in the prefix escaped. */
export function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * The WHERE clause (possibly empty) and its bound values for ids after
 * `afterId` within `scope`, on an `order_id` column: `?` bind markers for
 * mysql2, or `:afterId` and `:prefix` for a SqlClient. Values are bound, never spliced.
 */
export function idsAfterFilter(
  afterId: string | null,
  scope: IdScope,
): { where: string; params: unknown[] };
export function idsAfterFilter(
  afterId: string | null,
  scope: IdScope,
  style: 'named',
): { where: string; params: Record<string, string> };
export function idsAfterFilter(
  afterId: string | null,
  scope: IdScope,
  style: 'positional' | 'named' = 'positional',
): { where: string; params: unknown[] | Record<string, string> } {
  const clauses: string[] = [];
  const named: Record<string, string> = {};
  if (afterId !== null) {
    clauses.push(style === 'named' ? 'order_id > :afterId' : 'order_id > ?');
    named.afterId = afterId;
  }
  if (scope.idPrefix !== undefined) {
    clauses.push(style === 'named' ? 'order_id LIKE :prefix' : 'order_id LIKE ?');
    named.prefix = likePrefix(scope.idPrefix);
  }
  const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
  return { where, params: style === 'named' ? named : Object.values(named) };
}

/** Order ids of a MySQL table's `order_id` column after `afterId` within `scope`, in id order. */
export async function orderIdsOf(
  pool: Pool,
  table: 'orders' | 'ordersync_order_state',
  afterId: string | null,
  limit: number,
  scope: IdScope,
): Promise<string[]> {
  const { where, params } = idsAfterFilter(afterId, scope);
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT order_id FROM ${table} ${where} ORDER BY order_id LIMIT ?`,
    [...params, limit],
  );
  return rows.map((r) => String(r.order_id));
}
