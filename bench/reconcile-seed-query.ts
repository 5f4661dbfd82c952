/**
 * In-sync orders for the reconcile cost bench with the query source and the
 * SQL target: ERPNext fixture orders written into the ERP's own tables, read
 * through the shipped mapping by the query source (the poll's own path, its
 * versions booked), and applied to the Magento tables by the real apply with
 * the shipped Magento mapping.
 */
import path from 'node:path';
import type { Pool } from 'mysql2/promise';
import { APPLY_POOL_OPTIONS, createApplyActivities } from '../activities/apply-order-events';
import type { Config } from '../src/config';
import { orderEventSchema } from '../src/contracts/events';
import type { OrderEvent } from '../src/contracts/events';
import { createPool } from '../src/db/pool';
import { ErpnextWriter } from '../src/erp/fixtures/erpnext-writer';
import { fixtureOrders } from '../src/erp/fixtures/fixture-order';
import { loadMapping } from '../src/erp/query/mapping';
import { MappingQueries } from '../src/erp/query/mapping-queries';
import { wallClock } from '../src/erp/query/marker';
import { QueryFeed } from '../src/erp/query/query-feed';
import { QueryState } from '../src/erp/query/query-state';
import { MysqlSqlClient } from '../src/erp/sql/mysql-client';
import { QueryErpSide } from '../src/reconcile/adapters/query-erp';
import { SqlTargetSide } from '../src/reconcile/adapters/sql-target';
import type { Sides } from '../src/reconcile/sweep';
import { loadMapping as loadTargetMapping } from '../src/target/sql/mapping';
import { createSqlTarget } from '../src/target/sql/sql-target';
import { MAGENTO_MAPPING, installTargetFixture } from '../test/support/target-fixture';

const ERPNEXT = path.join(__dirname, '..', 'mappings', 'erpnext');
const LANES = 8;

async function lanes<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const lane = async () => {
    for (let i = queue.shift(); i !== undefined; i = queue.shift()) await work(i);
  };
  await Promise.all(Array.from({ length: LANES }, lane));
}

export interface QuerySeed {
  sides: Sides;
  cleanup(): Promise<void>;
}

/** Writes `count` ERPNext orders under `prefix` and brings the Magento tables in sync with them. */
export async function seedQueryMagento(
  cfg: Config,
  writerPool: Pool,
  app: Pool,
  prefix: string,
  count: number,
): Promise<QuerySeed> {
  await installTargetFixture(cfg, MAGENTO_MAPPING);
  const writer = new ErpnextWriter(writerPool);
  await writer.init();
  const source = `bench-${prefix}`.slice(0, 64);
  const state = new QueryState(app, source);
  const start = { marker: wallClock(Date.now() - 1000, 'UTC'), id: '' };
  for (const scan of ['orders', 'invoices']) await state.setWatermark(scan, start);
  await lanes(fixtureOrders(count, prefix), (o) => writer.createOrder(o));

  const reader = MysqlSqlClient.fromUrl(cfg.ORDERSYNC_ERP_URL);
  const queries = new MappingQueries(reader, loadMapping(ERPNEXT));
  const feed = new QueryFeed(queries, state, { lookbackMs: 0 });
  const mapping = loadTargetMapping(MAGENTO_MAPPING);
  const target = createSqlTarget(mapping);
  const applyPool = createPool(cfg.ORDERSYNC_MYSQL_URL, {
    connectionLimit: LANES,
    ...APPLY_POOL_OPTIONS,
  });
  const { applyOrderEvents } = createApplyActivities({ pool: applyPool, target });
  try {
    for (let full = true; full;) {
      const page = await feed.next(1000);
      const byOrder = new Map<string, OrderEvent[]>();
      for (const { seq: _seq, ...e } of page.events) {
        const event = orderEventSchema.parse(e);
        byOrder.set(event.orderId, [...(byOrder.get(event.orderId) ?? []), event]);
      }
      await lanes([...byOrder], ([orderId, events]) =>
        applyOrderEvents({ orderId, events }).then(() => undefined),
      );
      await page.commit();
      full = page.full;
    }
  } finally {
    await applyPool.end();
  }
  return {
    sides: {
      erp: new QueryErpSide(queries, state),
      target: new SqlTargetSide(app, target, mapping),
    },
    async cleanup() {
      const like = `${prefix}%`;
      await writerPool.query('DELETE FROM `tabSales Order Item` WHERE parent LIKE ?', [like]);
      await writerPool.query('DELETE FROM `tabSales Order` WHERE name LIKE ?', [like]);
      await app.query(
        `DELETE i FROM sales_order_item i JOIN sales_order o ON o.entity_id = i.order_id WHERE o.increment_id LIKE ?`,
        [like],
      );
      await app.query(
        `DELETE a FROM sales_order_address a JOIN sales_order o ON o.entity_id = a.parent_id WHERE o.increment_id LIKE ?`,
        [like],
      );
      await app.query('DELETE FROM sales_order WHERE increment_id LIKE ?', [like]);
      for (const table of ['erp_query_orders', 'erp_query_invoices', 'erp_query_watermarks'])
        await app.query(`DELETE FROM ${table} WHERE source = ?`, [source]);
      await reader.close();
    },
  };
}
