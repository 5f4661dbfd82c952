import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMapping } from '../../src/erp/query/mapping';
import { MappingQueries } from '../../src/erp/query/mapping-queries';
import type { OrderBook, QueryState } from '../../src/erp/query/query-state';
import type { SqlClient } from '../../src/erp/sql/client';
import { reconcileErpSide } from '../../src/reconcile/adapters/erp-side';
import { OutboxErpSide } from '../../src/reconcile/adapters/outbox-erp';
import { QueryErpSide, currentVersion } from '../../src/reconcile/adapters/query-erp';

const client = (dialect: SqlClient['dialect']): SqlClient => ({
  dialect,
  query: () => Promise.reject(new Error('must not be queried')),
  close: () => Promise.resolve(),
});

const book = (over: Partial<OrderBook> = {}): OrderBook => ({
  channel: 'online',
  lastVersion: 5,
  snapshotVersion: 4,
  hash: Buffer.alloc(32, 1),
  acked: true,
  ...over,
});

describe('the ERP side reconciliation reads', () => {
  it.each(['mysql', 'postgres'] as const)('is the outbox adapter for the outbox on %s', (d) => {
    expect(reconcileErpSide({ kind: 'outbox', client: client(d) })).toBeInstanceOf(OutboxErpSide);
  });

  it('is the query adapter for the query source', () => {
    const queries = new MappingQueries(
      client('mysql'),
      loadMapping(path.join(__dirname, '..', '..', 'mappings', 'erpnext')),
    );
    const side = reconcileErpSide({
      kind: 'query',
      client: client('mysql'),
      query: { queries, state: {} as QueryState, feed: {} as never },
    });
    expect(side).toBeInstanceOf(QueryErpSide);
  });
});

describe('the query source: the version the ERP state has', () => {
  it('is the booked snapshot version when the snapshot hashes as booked', () => {
    expect(currentVersion(book(), Buffer.alloc(32, 1), 'online')).toBe(4);
  });

  it('is the next version when the snapshot or its channel changed since (the target cannot hold it yet: behind)', () => {
    expect(currentVersion(book(), Buffer.alloc(32, 2), 'online')).toBe(6);
    expect(currentVersion(book(), Buffer.alloc(32, 1), 'store')).toBe(6);
  });

  it('is 1 for an order ordersync never produced', () => {
    expect(currentVersion(undefined, Buffer.alloc(32, 1), 'online')).toBe(1);
  });
});

/** Compares as a case-insensitive collation does (MariaDB's utf8mb4_unicode_ci, an ICU locale on PostgreSQL). */
function caseInsensitive(a: string, b: string): number {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  if (x !== y) return x < y ? -1 : 1;
  return a === b ? 0 : a < b ? -1 : 1;
}

/** A query side whose `all_orders.sql` pages through `ids` in the ERP's collation. */
function allOrdersSide(ids: string[]): QueryErpSide {
  const mapping = loadMapping(path.join(__dirname, '..', '..', 'mappings', 'odoo'));
  const sorted = [...ids].sort(caseInsensitive);
  const erp: SqlClient = {
    dialect: 'postgres',
    query: (sql, params = {}) => {
      expect(sql).toBe(mapping.sql.allOrders);
      const after = String(params.after_id);
      return Promise.resolve(
        sorted
          .filter((id) => after === '' || caseInsensitive(id, after) > 0)
          .slice(0, Number(params.limit))
          .map((order_id) => ({ order_id })),
      );
    },
    close: () => Promise.resolve(),
  };
  return new QueryErpSide(new MappingQueries(erp, mapping), {} as QueryState);
}

describe('the query source: every order id under a prefix, in the ERP collation', () => {
  it('goes on past an id outside the prefix that the collation sorts among the prefix ids', async () => {
    // Case-insensitively `so-a2` sorts between `SO-A1` and `SO-A3`; byte-wise it is after `SO-A`.
    const side = allOrdersSide(['SO-A1', 'so-a2', 'SO-A3', 'SO-B1', 'SO-9']);
    expect(await side.orderIdsAfter(null, 10, { idPrefix: 'SO-A' })).toEqual(['SO-A1', 'SO-A3']);
    expect(await side.orderIdsAfter(null, 1, { idPrefix: 'SO-A' })).toEqual(['SO-A1']);
    expect(await side.orderIdsAfter('SO-A1', 2, { idPrefix: 'SO-A' })).toEqual(['SO-A3']);
  });
});
