import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Pool } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totalRuleBreach } from '../../src/contracts/total-rule';
import { createPool } from '../../src/db/pool';
import { checkMapping } from '../../src/erp/query/check-mapping';
import { loadMapping } from '../../src/erp/query/mapping';
import { MappingQueries } from '../../src/erp/query/mapping-queries';
import { QueryState } from '../../src/erp/query/query-state';
import { fixtureOrders } from '../../src/erp/fixtures/fixture-order';
import { MysqlSqlClient } from '../../src/erp/sql/mysql-client';
import { QueryErpSide } from '../../src/reconcile/adapters/query-erp';
import { DolibarrErpWriter } from '../fixtures/dolibarr-erp/writer';
import type { DolibarrLine } from '../fixtures/dolibarr-erp/writer';
import { testEnv } from '../support/env';
import { REPO, drain, historyOf, openAppPool, queryFeed } from '../support/query-source';
import { describeQuerySource } from '../support/query-scenarios';

// A real ERP's schema that nobody here wrote (Dolibarr): integer keys with a
// separate text ref, whole-second TIMESTAMP markers the server stamps only
// when a value changes, small-integer statuses (cancelled is -1), DOUBLE
// amounts and REAL quantities, title and subtotal pseudo-lines, and invoices
// linked to orders through a link table (a credit note only to its invoice).
describeQuerySource('query source on a Dolibarr schema', 'doli-query', {
  open: (cfg) =>
    Promise.resolve({
      writer: new DolibarrErpWriter(
        createPool(cfg.ORDERSYNC_ERP_WRITER_URL!, { connectionLimit: 3 }),
      ),
      reader: MysqlSqlClient.fromUrl(cfg.ORDERSYNC_ERP_URL),
    }),
  mapping: `${REPO}/test/fixtures/dolibarr-erp/mapping`,
  advancedStatus: 'partially_shipped',
  erpId: (writer, id) => (writer as unknown as DolibarrErpWriter).erpId(id),
});

describe("the Dolibarr mapping on Dolibarr's own shapes", () => {
  const { cfg, runId } = testEnv('doli-shapes');
  let app: Pool;
  let writer: DolibarrErpWriter;
  let reader: MysqlSqlClient;
  const mapping = `${REPO}/test/fixtures/dolibarr-erp/mapping`;
  const feed = () => queryFeed(reader, mapping, app, `q-${runId}`);

  beforeAll(async () => {
    app = await openAppPool(cfg);
    writer = new DolibarrErpWriter(
      createPool(cfg.ORDERSYNC_ERP_WRITER_URL!, { connectionLimit: 3 }),
    );
    reader = MysqlSqlClient.fromUrl(cfg.ORDERSYNC_ERP_URL);
    await writer.init();
    await drain(feed());
  });
  afterAll(async () => {
    await reader?.close();
    await writer?.close();
    await app?.end();
  });

  it('a draft, under its provisional ref, is no order yet; validated, it is one under its final ref', async () => {
    const [o] = fixtureOrders(1, `SO-${runId}-d`);
    const rowid = await writer.createDraft(o!);
    const provisional = `(PROV${rowid})`;
    expect((await drain(feed())).filter((e) => e.orderId === provisional)).toEqual([]);
    await writer.validate(o!, rowid);
    const events = await drain(feed());
    expect(events.filter((e) => e.orderId === provisional)).toEqual([]);
    expect(historyOf(events, writer.erpId(o!.id))).toEqual(['order_creation v1']);
  });

  it('a weighed REAL quantity, a percentage discount, a free-text line and an absolute discount pass the total rule; pseudo-lines are not goods', async () => {
    const [o] = fixtureOrders(1, `SO-${runId}-w`);
    o!.lines = [
      {
        sku: 'GOLD-24K-G',
        name: 'Gold by the gram',
        qty: 2.375,
        price: '6543.21',
        discountPercent: 10,
      },
      { sku: 'BOX-VELVET', name: 'Box', qty: 1, price: '0.10' },
      // 0.5 × 0.25 = 0.125: a half cent, rounded away from zero (0.13) by
      // Dolibarr and the contract, to even (0.12) by ROUND on a DOUBLE.
      { sku: 'CORD-SILK-M', name: 'Silk cord', qty: 0.5, price: '0.25' },
      { sku: '', name: 'Engraving, by hand', qty: 1, price: '12.00', freeText: true },
      // A 10.00 credit the customer had, used here: a line of −10.00 net.
      { sku: '', name: 'Credit AV2612-0003', qty: 1, price: '-10.00', absoluteDiscount: 7 },
    ] as DolibarrLine[];
    await writer.createOrder(o!);
    const events = await drain(feed());
    const [created] = events.filter((e) => e.orderId === writer.erpId(o!.id));
    expect(created).toMatchObject({ type: 'order_creation', erpVersion: 1 });
    const data = created!.data as Parameters<typeof totalRuleBreach>[0];
    // 2.375 × 6543.21 = 15540.12 (rounded), less 10 % = 13986.11 net: 1554.01 off.
    expect(data.lines).toEqual([
      {
        sku: 'GOLD-24K-G',
        name: 'Gold by the gram',
        qty: 2.375,
        unitPrice: '6543.21',
        discount: '1554.01',
        tax: '2657.36',
      },
      { sku: 'BOX-VELVET', name: 'Box', qty: 1, unitPrice: '0.10', tax: '0.02' },
      { sku: 'CORD-SILK-M', name: 'Silk cord', qty: 0.5, unitPrice: '0.25', tax: '0.02' },
      // A whole DOUBLE reaches ordersync as the number 12, written without places.
      { sku: 'FREE-TEXT', name: 'Engraving, by hand', qty: 1, unitPrice: '12', tax: '2.28' },
    ]);
    // 10.00 net and 1.90 tax off the order, as its total_ttc has them off.
    expect(data).toMatchObject({ discountTotal: '11.90' });
    expect(totalRuleBreach(data)).toBeNull();
  });

  it('an edit of the shipping contact, which stamps no marker of the order, is an update', async () => {
    const [o] = fixtureOrders(1, `SO-${runId}-c`);
    await writer.createOrder(o!);
    await drain(feed());
    await writer.moveShippingContact(o!.id, '7 Harbour Road');
    const events = (await drain(feed())).filter((e) => e.orderId === writer.erpId(o!.id));
    expect(events.map((e) => `${e.type} v${e.erpVersion}`)).toEqual(['order_updation v2']);
    expect(events[0]!.data).toMatchObject({ shippingAddress: { line1: '7 Harbour Road' } });
  });

  it('an invoice billing several orders is produced once, for the first, and the poll goes on', async () => {
    const orders = fixtureOrders(2, `SO-${runId}-m`);
    for (const o of orders) await writer.createOrder(o);
    await drain(feed());
    await writer.invoiceOrders(orders, `INV-${runId}-m`);
    const [a, b] = orders.map((o) => writer.erpId(o.id));
    const events = await drain(feed());
    const invoices = events.filter(
      (e) => e.type === 'invoice_creation' && (e.orderId === a || e.orderId === b),
    );
    expect(invoices.map((e) => `${e.orderId} v${e.erpVersion}`)).toEqual([`${a} v2`]);
    expect(events.filter((e) => e.orderId === b)).toEqual([]);
    // A replay of the second order does not hand it the first order's invoice version.
    const replay = await feed().fetchOrderEvents(b!, 1, 100);
    expect(replay.map((e) => `${e.type} v${e.erpVersion}`)).toEqual(['order_creation v1']);
    // Reconciliation reads the ERP as the poll booked it: no invoice missing from the second.
    const erp = new QueryErpSide(
      new MappingQueries(reader, loadMapping(mapping)),
      new QueryState(app, `q-${runId}`),
    );
    const states = await erp.readOrders([a!, b!]);
    expect(states.get(a!)!.invoices.map((i) => i.invoiceId)).toEqual([`INV-${runId}-m`]);
    expect(states.get(b!)!.invoices).toEqual([]);
  });

  it('a credit note read a page before its invoice still gets the higher version', async () => {
    const [o] = fixtureOrders(1, `SO-${runId}-cn`);
    await writer.createOrder(o!);
    await drain(feed());
    // The credit note sorts first: its ref (CN-) in the same second, or the
    // invoice's tms moved when the credit note settled it.
    await writer.invoice(o!, `INV-${runId}-cn`);
    await writer.creditNote(o!, `CN-${runId}-cn`, `INV-${runId}-cn`);
    await writer.classifyPaid(`INV-${runId}-cn`);
    const events = await drain(feed(), 1);
    expect(
      events
        .filter((e) => e.orderId === writer.erpId(o!.id))
        .map((e) => `${(e.data as { invoiceId: string }).invoiceId} v${e.erpVersion}`),
    ).toEqual([`INV-${runId}-cn v2`, `CN-${runId}-cn v3`]);
  });

  it('`source check` names an order the poll would never produce: no goods left after the filters', async () => {
    const [full, empty] = fixtureOrders(2, `SO-${runId}-chk`);
    empty!.lines = [];
    for (const o of [full!, empty!]) await writer.createOrder(o);
    const refs = [full!, empty!].map((o) => writer.erpId(o.id));
    // The mapping, with changed_orders.sql narrowed to these two orders (the tables are shared).
    const dir = mkdtempSync(path.join(tmpdir(), 'doli-check-'));
    cpSync(mapping, dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'changed_orders.sql'),
      `SELECT ref AS order_id, tms AS marker FROM llx_commande
        WHERE ref IN (${refs.map((r) => `'${r}'`).join(', ')})
          AND (tms > :since OR (tms = :since AND ref > :after_id))
        ORDER BY tms, ref LIMIT :limit`,
    );
    const report = await checkMapping(new MappingQueries(reader, loadMapping(dir)));
    expect(report.problems).toEqual([
      expect.stringContaining(
        `orders: no rows for 1 of the 2 orders changed_orders named ("${refs[1]}")`,
      ),
    ]);
    expect(report.samples.map((x) => x.event.orderId)).toEqual([refs[0]]);
  });
});
