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
