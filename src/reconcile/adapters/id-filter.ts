import type { IdScope } from '../ports';

/** `LIKE` pattern for an id prefix, with the wildcards in the prefix escaped. */
export function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * The WHERE clause (possibly empty) and its bound values for ids after
 * `afterId` within `scope`, on an `order_id` column. Values are bound, never spliced.
 */
export function idsAfterFilter(
  afterId: string | null,
  scope: IdScope,
): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (afterId !== null) {
    clauses.push('order_id > ?');
    params.push(afterId);
  }
  if (scope.idPrefix !== undefined) {
    clauses.push('order_id LIKE ?');
    params.push(likePrefix(scope.idPrefix));
  }
  return { where: clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '', params };
}
