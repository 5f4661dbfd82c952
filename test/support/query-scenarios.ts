/**
 * The query source's behaviour on any ERP fixture: the same scenarios run on
 * the ERPNext fixture (MariaDB), the Odoo fixture (PostgreSQL) and a made-up
 * schema, each through its own mapping and read with a read-only account.
 */
import type { Pool } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config';
import { fixtureOrders } from '../../src/erp/fixtures/fixture-order';
import type { FixtureWriter } from '../../src/erp/fixtures/fixture-order';
import { checkMapping } from '../../src/erp/query/check-mapping';
import { loadMapping } from '../../src/erp/query/mapping';
import { MappingQueries } from '../../src/erp/query/mapping-queries';
import type { ErpEvent } from '../../src/erp/source';
import type { SqlClient, SqlParams } from '../../src/erp/sql/client';
import { markerMinus, wallClock } from '../../src/erp/query/marker';
import type { Publish } from '../../src/erp/query/query-feed';
import { testEnv } from './env';
import { backfillFeed, drain, heldClient, historyOf, openAppPool, queryFeed } from './query-source';

export interface ScenarioSetup {
  /** The fixture's writer (initialised and emptied) and the read-only reader, on the test databases. */
  open: (cfg: Config) => Promise<{ writer: FixtureWriter; reader: SqlClient }>;
  mapping: string;
  /** The contract status `advance` leads to. */
  advancedStatus: string;
  /**
   * Invoicing changes the order's own status text (ERPNext: To Deliver and Bill
   * → To Deliver, written with update_modified=False), so the order gets an
   * update before its invoice.
   */
  invoiceChangesOrder?: boolean;
  /** The ERP's order id of a fixture order, when the ERP numbers its own (default: the fixture id). */
  erpId?: (writer: FixtureWriter, fixtureId: string) => string;
}

/** Runs the scenarios in a describe block of their own, on the test databases of `label`. */
export function describeQuerySource(title: string, label: string, setup: ScenarioSetup): void {
  describe(title, () => {
    const { cfg, runId } = testEnv(label);
    let app: Pool | undefined;
    let opened: { writer: FixtureWriter; reader: SqlClient } | undefined;
    beforeAll(async () => {
      app = await openAppPool(cfg);
      opened = await setup.open(cfg);
      // No reset: other test files write the same fixture tables at the same time,
      // so every assertion looks at this run's orders only.
      await opened.writer.init();
    });
    afterAll(async () => {
      await opened?.reader.close();
      await opened?.writer.close();
      await app?.end();
    });
    queryScenarios({
      ...setup,
      runId,
      writer: () => opened!.writer,
      reader: () => opened!.reader,
      app: () => app!,
    });
  });
}

function queryScenarios(
  s: ScenarioSetup & {
    runId: string;
    writer: () => FixtureWriter;
    reader: () => SqlClient;
    app: () => Pool;
  },
): void {
  const id = (o: { id: string }) => (s.erpId ? s.erpId(s.writer(), o.id) : o.id);
  const feed = (name: string, lookbackMs?: number, publish?: Publish) =>
    queryFeed(s.reader(), s.mapping, s.app(), `q-${s.runId}-${name}`, lookbackMs, publish);
  const kinds = (events: readonly ErpEvent[]) => events.map((e) => `${e.type} v${e.erpVersion}`);
  /** A new order, produced by a feed whose replays publish into `published` as the worker's producer would. */
  const producedOrder = async (tag: string) => {
    const [o] = fixtureOrders(1, `SO-${s.runId}-${tag}`);
    await s.writer().createOrder(o!);
    const published: ErpEvent[] = [];
    const f = () => feed(tag, undefined, (events) => Promise.resolve(published.push(...events)));
    await drain(f());
    return { o: o!, published, f };
  };

  it('numbers versions itself, produces only changes, and keeps invoices in order', async () => {
    const orders = fixtureOrders(6, `SO-${s.runId}`);
    for (const o of orders) await s.writer().createOrder(o);
    const main = feed('main');

    const mine = new Set(orders.map(id));
    const ofRun = (events: ErpEvent[]) => events.filter((e) => mine.has(e.orderId));
    const first = ofRun(await drain(main));
    expect(first.map((e) => `${e.orderId} ${e.type} v${e.erpVersion}`).sort()).toEqual(
      orders.map((o) => `${id(o)} order_creation v1`).sort(),
    );
    const one = first.find((e) => e.orderId === id(orders[0]!))!;
    expect(one).toMatchObject({
      channel: 'online',
      data: {
        currency: 'EUR',
        status: 'confirmed',
        customer: { id: orders[0]!.customer.id, email: orders[0]!.customer.email },
        shippingAddress: { country: 'DE', city: 'Berlin' },
        lines: orders[0]!.lines.map((l) => ({ sku: l.sku, qty: l.qty, unitPrice: l.price })),
      },
    });
    expect(first.find((e) => e.orderId === id(orders[1]!))!.channel).toBe('store');
    expect(first.find((e) => e.orderId === id(orders[2]!))!.channel).toBe('international');
    // The look-back re-reads every order; unchanged hashes produce nothing.
    expect(ofRun(await drain(main))).toEqual([]);

    await s.writer().invoice(orders[0]!, `INV-${s.runId}-1`);
    await s.writer().creditNote(orders[0]!, `CN-${s.runId}-1`, `INV-${s.runId}-1`);
    await s.writer().advance(orders[1]!.id);
    await s.writer().cancel(orders[2]!.id);
    const changed = orders[3]!;
    changed.lines[0]!.qty += 1;
    await s.writer().updateLines(changed);
    const second = ofRun(await drain(main));
    const touched = s.invoiceChangesOrder === true;
    const v = (n: number) => n + (touched ? 1 : 0);
    expect(historyOf(second, id(orders[0]!))).toEqual([
      ...(touched ? ['order_updation v2'] : []),
      `invoice_creation v${v(2)}`,
      `invoice_creation v${v(3)}`,
    ]);
    expect(historyOf(second, id(orders[1]!))).toEqual(['order_updation v2']);
    expect(second.find((e) => e.orderId === id(orders[1]!))!.data).toMatchObject({
      status: s.advancedStatus,
    });
    expect(second.find((e) => e.orderId === id(orders[2]!))!.data).toMatchObject({
      status: 'cancelled',
    });
    expect(second.find((e) => e.orderId === id(changed))!.data).toMatchObject({
      lines: changed.lines.map((l) => ({ sku: l.sku, qty: l.qty })),
    });
    expect(second).toHaveLength(v(5));
    const [invoice, credit] = second.filter((e) => e.type === 'invoice_creation');
    expect(invoice!.data).toMatchObject({
      invoiceId: `INV-${s.runId}-1`,
      currency: 'EUR',
      kind: 'invoice',
    });
    expect(credit!.data).toMatchObject({
      invoiceId: `CN-${s.runId}-1`,
      kind: 'credit_note',
      againstInvoiceId: `INV-${s.runId}-1`,
      amount: (invoice!.data as { amount: string }).amount,
    });

    // A replay reads the current state with the versions ordersync handed out.
    const replay = await main.fetchOrderEvents(id(orders[0]!), 1, 100);
    expect(replay.map((e) => `${e.type} v${e.erpVersion}`)).toEqual([
      touched ? 'order_updation v2' : 'order_creation v1',
      `invoice_creation v${v(2)}`,
      `invoice_creation v${v(3)}`,
    ]);
    const snapshot = touched ? second.find((e) => e.orderId === id(orders[0]!))! : one;
    expect(replay.map((e) => e.eventId)).toEqual([
      snapshot.eventId,
      invoice!.eventId,
      credit!.eventId,
    ]);
  });

  it('passes `source check`: every query runs, every column is there, the maps cover the data', async () => {
    const report = await checkMapping(new MappingQueries(s.reader(), loadMapping(s.mapping)));
    expect(report.problems).toEqual([]);
    expect(report.samples).toHaveLength(3);
    expect(report.samples.map((x) => x.invalid)).toEqual([null, null, null]);
  });

  it('re-produces the same event ids after a crash between produce and save', async () => {
    const [o] = fixtureOrders(1, `SO-${s.runId}-crash`);
    await drain(feed('crash'));
    await s.writer().createOrder(o!);
    const crashed = await feed('crash').next(500);
    const lost = crashed.events.filter((e) => e.orderId === id(o!));
    expect(lost).toHaveLength(1);
    // No commit: the process died after Kafka had the page. A new process reads again.
    const again = await drain(feed('crash'));
    expect(again.filter((e) => e.orderId === id(o!)).map((e) => e.eventId)).toEqual(
      lost.map((e) => e.eventId),
    );
    // A change after the crash gets a new version, never the reserved one with other content.
    o!.lines[0]!.qty += 2;
    await s.writer().updateLines(o!);
    expect(historyOf(await drain(feed('crash')), id(o!))).toEqual(['order_updation v2']);
  });

  it('catches a transaction that commits late within the look-back, and loses it without one', async () => {
    const [late, early] = fixtureOrders(2, `SO-${s.runId}-late`);
    await s.writer().createOrder(late!);
    await s.writer().createOrder(early!);
    await drain(feed('lb'));
    await drain(feed('nolb', 0));

    late!.lines[0]!.qty += 3;
    const tx = await s.writer().lateLineUpdate(late!); // marker fixed now, committed later
    await new Promise((r) => setTimeout(r, 20));
    early!.lines[0]!.qty += 1;
    await s.writer().updateLines(early!); // a later marker, committed first
    const a1 = await drain(feed('lb'));
    const b1 = await drain(feed('nolb', 0));
    expect(historyOf(a1, id(early!))).toEqual(['order_updation v2']);
    expect(historyOf(b1, id(early!))).toEqual(['order_updation v2']);
    expect(historyOf(a1, id(late!))).toEqual([]);
    await tx.commit();

    const a2 = await drain(feed('lb'));
    expect(historyOf(a2, id(late!))).toEqual(['order_updation v2']);
    expect(a2.find((e) => e.orderId === id(late!))!.data).toMatchObject({
      lines: late!.lines.map((l) => ({ sku: l.sku, qty: l.qty })),
    });
    // The Kafka Connect JDBC failure: a plain watermark never sees it.
    expect(historyOf(await drain(feed('nolb', 0)), id(late!))).toEqual([]);
  });

  it('replay: a snapshot changed since it was produced becomes the next version, published before it is returned', async () => {
    const { o, published, f } = await producedOrder('rp');
    o.lines[0]!.qty += 2;
    await s.writer().updateLines(o);

    const replay = await f().fetchOrderEvents(id(o), 1, 100);
    expect(kinds(replay)).toEqual(['order_updation v2']);
    expect(replay[0]!.data).toMatchObject({
      lines: o.lines.map((l) => ({ sku: l.sku, qty: l.qty })),
    });
    expect(published.map((e) => e.eventId)).toEqual(replay.map((e) => e.eventId));
    // Booked: the poll produces nothing for it, and never v2 with other content.
    expect(historyOf(await drain(f()), id(o))).toEqual([]);
    published.length = 0;
    const again = await f().fetchOrderEvents(id(o), 1, 100);
    expect(again.map((e) => e.eventId)).toEqual(replay.map((e) => e.eventId));
    expect(published).toEqual([]);
  });

  it('replay: an invoice the books never saw is produced with the next version', async () => {
    const { o, published, f } = await producedOrder('ri');
    await s.writer().invoice(o, `INV-${s.runId}-ri`);

    const replay = await f().fetchOrderEvents(id(o), 1, 100);
    const touched = s.invoiceChangesOrder === true;
    expect(kinds(replay)).toEqual(
      touched
        ? ['order_updation v2', 'invoice_creation v3']
        : ['order_creation v1', 'invoice_creation v2'],
    );
    expect(replay.at(-1)!.data).toMatchObject({ invoiceId: `INV-${s.runId}-ri` });
    expect(kinds(published)).toEqual(kinds(replay).slice(touched ? 0 : 1));
    expect(historyOf(await drain(f()), id(o))).toEqual([]);
  });

  it('books a version once when a backfill runs in the middle of a poll page', async () => {
    const [o] = fixtureOrders(1, `SO-${s.runId}-race`);
    await s.writer().createOrder(o!);
    const name = `q-${s.runId}-race`;
    const mapping = loadMapping(s.mapping);
    await drain(queryFeed(s.reader(), s.mapping, s.app(), name));
    o!.lines[0]!.qty += 1;
    await s.writer().updateLines(o!);
    const since = markerMinus(wallClock(Date.now(), mapping.manifest.markerTimeZone), 60_000);
    let backfilled: ErpEvent[] = [];
    // The poll has read the books and this snapshot; before it books them, the
    // order changes again and a backfill reads and books the newer snapshot.
    const readsOrder = (sql: string, params: SqlParams) =>
      sql === mapping.sql.orders &&
      (params[mapping.manifest.parameters.orderIds] as string[]).includes(id(o!));
    const held = heldClient(s.reader(), readsOrder, async () => {
      o!.lines[0]!.qty += 1;
      await s.writer().updateLines(o!);
      backfilled = await drain(await backfillFeed(s.reader(), s.mapping, s.app(), name, since));
    });
    const polled = await drain(queryFeed(held, s.mapping, s.app(), name));

    const mine = [...backfilled, ...polled].filter((e) => e.orderId === id(o!));
    const idsOf = new Map<number, Set<string>>();
    for (const e of mine)
      idsOf.set(e.erpVersion, (idsOf.get(e.erpVersion) ?? new Set()).add(e.eventId));
    expect([...idsOf].map(([v, ids]) => `v${v}: ${ids.size}`)).toEqual(['v2: 1']);
    expect(historyOf(backfilled, id(o!))).toEqual(['order_updation v2']);
    // The poll's older read lost the compare-and-set, read again and found v2 booked.
    expect(historyOf(polled, id(o!))).toEqual([]);
    expect(backfilled.find((e) => e.orderId === id(o!))!.data).toMatchObject({
      lines: o!.lines.map((l) => ({ sku: l.sku, qty: l.qty })),
    });
  });
}
