import type { Pool } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../src/db/pool';
import { fixtureOrders } from '../../src/erp/fixtures/fixture-order';
import { ErpnextWriter } from '../../src/erp/fixtures/erpnext-writer';
import { loadMapping } from '../../src/erp/query/mapping';
import { MappingQueries } from '../../src/erp/query/mapping-queries';
import { markerMinus, wallClock, wallMs } from '../../src/erp/query/marker';
import { QueryFeed } from '../../src/erp/query/query-feed';
import { QueryState } from '../../src/erp/query/query-state';
import type { SqlClient } from '../../src/erp/sql/client';
import { MysqlSqlClient } from '../../src/erp/sql/mysql-client';
import { erpFutureMarkers } from '../../src/observability/metrics';
import { testEnv } from '../support/env';
import {
  REPO,
  drain,
  heldClient,
  historyOf,
  openAppPool,
  queryFeed,
} from '../support/query-source';
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

describe('the query watermark and the ERP clock (ERPNext fixture)', () => {
  const { cfg, runId } = testEnv('erpnext-clock');
  const mapping = `${REPO}/mappings/erpnext`;
  let app: Pool | undefined;
  let writerPool: Pool | undefined;
  let writer: ErpnextWriter;
  let reader: MysqlSqlClient;
  beforeAll(async () => {
    app = await openAppPool(cfg);
    writerPool = createPool(cfg.ORDERSYNC_ERP_WRITER_URL!, { connectionLimit: 3 });
    writer = new ErpnextWriter(writerPool);
    reader = MysqlSqlClient.fromUrl(cfg.ORDERSYNC_ERP_URL);
    await writer.init();
  });
  afterAll(async () => {
    await reader.close();
    await writer.close();
    await app?.end();
  });
  const sleepUntil = (ms: number) =>
    new Promise((r) => setTimeout(r, Math.max(0, ms - Date.now())));

  it('a marker ahead of the ERP clock (a wrong zone) is counted and does not carry the watermark past rows still to come', async () => {
    const [ahead, later] = fixtureOrders(2, `SO-${runId}-fut`);
    const name = `q-${runId}-fut`;
    const feed = () => queryFeed(reader, mapping, app!, name, 60_000);
    await writer.createOrder(ahead!);
    const stamp = (hours: number) =>
      writerPool!.query(
        'UPDATE `tabSales Order` SET modified = DATE_ADD(modified, INTERVAL ? HOUR) WHERE name = ?',
        [hours, ahead!.id],
      );
    await stamp(3);
    try {
      const counted = (await erpFutureMarkers.get()).values[0]?.value ?? 0;
      expect(historyOf(await drain(feed()), ahead!.id)).toEqual(['order_creation v1']);
      expect((await erpFutureMarkers.get()).values[0]?.value ?? 0).toBeGreaterThan(counted);
      const saved = await new QueryState(app!, name).watermark('orders');
      expect(wallMs(saved!.marker)).toBeLessThanOrEqual(Date.now() + 1_000);

      await writer.createOrder(later!);
      expect(historyOf(await drain(feed()), later!.id)).toEqual(['order_creation v1']);
    } finally {
      // Other suites read these tables: no marker is left in the future.
      await stamp(-3);
    }
  });

  it('a pass that takes longer than the look-back loses no row: the look-back counts from the pass start', async () => {
    const [late, x, e] = fixtureOrders(3, `SO-${runId}-long`);
    const name = `q-${runId}-long`;
    const lookbackMs = 3_000;
    const feed = (client: SqlClient) => queryFeed(client, mapping, app!, name, lookbackMs);
    const ordersSql = loadMapping(mapping).sql.orders;
    await writer.createOrder(late!);
    await writer.createOrder(x!);
    await drain(feed(reader));
    late!.lines[0]!.qty += 1;
    const t0 = Date.now();
    const tx = await writer.lateLineUpdate(late!); // its marker is t0
    x!.lines[0]!.qty += 1;
    await writer.updateLines(x!); // a later marker, committed first
    // The pass reads x, then stalls past the look-back: meanwhile the late
    // transaction commits (2 s after its marker, within the look-back) and e
    // is written with a marker beyond t0 + look-back, which the pass reads next.
    const held = heldClient(
      reader,
      (sql, p) => sql === ordersSql && (p.order_ids as string[]).includes(x!.id),
      async () => {
        await sleepUntil(t0 + 2_000);
        await tx.commit();
        await sleepUntil(t0 + lookbackMs + 300);
        await writer.createOrder(e!);
      },
    );
    const pass = await drain(feed(held), 1);
    expect(historyOf(pass, e!.id)).toEqual(['order_creation v1']);
    expect(historyOf(pass, late!.id)).toEqual([]);
    expect(historyOf(await drain(feed(reader)), late!.id)).toEqual(['order_updation v2']);
  });
});
