import { describe, expect, it } from 'vitest';
import { createPool } from '../../src/db/pool';
import { fixtureOrders } from '../../src/erp/fixtures/fixture-order';
import { ErpnextWriter } from '../../src/erp/fixtures/erpnext-writer';
import { loadMapping } from '../../src/erp/query/mapping';
import { MappingQueries } from '../../src/erp/query/mapping-queries';
import { markerMinus, wallClock } from '../../src/erp/query/marker';
import { QueryFeed } from '../../src/erp/query/query-feed';
import { QueryState } from '../../src/erp/query/query-state';
import { MysqlSqlClient } from '../../src/erp/sql/mysql-client';
import { testEnv } from '../support/env';
import { REPO, drain, openAppPool } from '../support/query-source';
import { describeQuerySource } from '../support/query-scenarios';

// The query source over the ERPNext fixture on MariaDB, read with the
// read-only ERP account, through the shipped mapping (mappings/erpnext).
describeQuerySource('query source on the ERPNext fixture (MariaDB)', 'erpnext-query', {
  open: (cfg) =>
    Promise.resolve({
      writer: new ErpnextWriter(createPool(cfg.ORDERSYNC_ERP_WRITER_URL!, { connectionLimit: 3 })),
      reader: MysqlSqlClient.fromUrl(cfg.ORDERSYNC_ERP_URL),
    }),
  mapping: `${REPO}/mappings/erpnext`,
  advancedStatus: 'shipped',
  invoiceChangesOrder: true,
});

describe('source backfill on the ERPNext fixture', () => {
  const { cfg, runId } = testEnv('erpnext-backfill');

  it('produces the current state of one channel from a date, resumes, and repeats nothing', async () => {
    const app = await openAppPool(cfg);
    const writer = new ErpnextWriter(
      createPool(cfg.ORDERSYNC_ERP_WRITER_URL!, { connectionLimit: 2 }),
    );
    const reader = MysqlSqlClient.fromUrl(cfg.ORDERSYNC_ERP_URL);
    try {
      await writer.init();
      const orders = fixtureOrders(6, `SO-${runId}`);
      for (const o of orders) await writer.createOrder(o);
      const name = `bf-${runId}`;
      const state = new QueryState(app, name);
      const since = markerMinus(wallClock(Date.now(), 'UTC'), 60_000);
      for (const scan of ['backfill-orders', 'backfill-invoices'])
        await state.setWatermark(scan, { marker: since, id: '' });
      const backfill = () =>
        new QueryFeed(
          new MappingQueries(reader, loadMapping(`${REPO}/mappings/erpnext`)),
          state,
          { lookbackMs: 0, channel: 'online' },
          'backfill-',
        );
      const mine = new Set(orders.map((o) => o.id));
      const first = (await drain(backfill(), 2)).filter((e) => mine.has(e.orderId));
      expect(first.map((e) => e.orderId).sort()).toEqual(
        orders.filter((o) => o.channel === 'online').map((o) => o.id),
      );
      expect(first.every((e) => e.type === 'order_creation' && e.channel === 'online')).toBe(true);
      // Resumed from its saved keyset: nothing is produced twice.
      expect((await drain(backfill(), 2)).filter((e) => mine.has(e.orderId))).toEqual([]);
    } finally {
      await reader.close();
      await writer.close();
      await app.end();
    }
  });
});
