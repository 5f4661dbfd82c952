/**
 * The query source's behaviour on any ERP fixture: the same scenarios run on
 * the ERPNext fixture (MariaDB), the Odoo fixture (PostgreSQL) and a made-up
 * schema, each through its own mapping and read with a read-only account.
 */
import type { Pool } from 'mysql2/promise';
import { expect, it } from 'vitest';
import { fixtureOrders } from '../../src/erp/fixtures/fixture-order';
import type { FixtureWriter } from '../../src/erp/fixtures/fixture-order';
import type { SqlClient } from '../../src/erp/sql/client';
import { drain, historyOf, queryFeed } from './query-source';

export interface ScenarioSetup {
  writer: () => FixtureWriter;
  reader: () => SqlClient;
  app: () => Pool;
  mapping: string;
  runId: string;
  /** The contract status `advance` leads to. */
  advancedStatus: string;
}

export function queryScenarios(s: ScenarioSetup): void {
  const feed = (name: string, lookbackMs?: number) =>
    queryFeed(s.reader(), s.mapping, s.app(), `q-${s.runId}-${name}`, lookbackMs);

  it('numbers versions itself, produces only changes, and keeps invoices in order', async () => {
    const orders = fixtureOrders(6, `SO-${s.runId}`);
    for (const o of orders) await s.writer().createOrder(o);
    const main = feed('main');

    const first = await drain(main);
    expect(first.map((e) => `${e.orderId} ${e.type} v${e.erpVersion}`).sort()).toEqual(
      orders.map((o) => `${o.id} order_creation v1`).sort(),
    );
    const one = first.find((e) => e.orderId === orders[0]!.id)!;
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
    expect(first.find((e) => e.orderId === orders[1]!.id)!.channel).toBe('store');
    expect(first.find((e) => e.orderId === orders[2]!.id)!.channel).toBe('international');
    // The look-back re-reads every order; unchanged hashes produce nothing.
    expect(await drain(main)).toEqual([]);

    await s.writer().invoice(orders[0]!, `INV-${s.runId}-1`);
    await s.writer().advance(orders[1]!.id);
    await s.writer().cancel(orders[2]!.id);
    const changed = orders[3]!;
    changed.lines[0]!.qty += 1;
    await s.writer().updateLines(changed);
    const second = await drain(main);
    expect(historyOf(second, orders[0]!.id)).toEqual(['invoice_creation v2']);
    expect(historyOf(second, orders[1]!.id)).toEqual(['order_updation v2']);
    expect(second.find((e) => e.orderId === orders[1]!.id)!.data).toMatchObject({
      status: s.advancedStatus,
    });
    expect(second.find((e) => e.orderId === orders[2]!.id)!.data).toMatchObject({
      status: 'cancelled',
    });
    expect(second.find((e) => e.orderId === changed.id)!.data).toMatchObject({
      lines: changed.lines.map((l) => ({ sku: l.sku, qty: l.qty })),
    });
    expect(second).toHaveLength(4);
    const invoice = second.find((e) => e.type === 'invoice_creation')!;
    expect(invoice.data).toMatchObject({ invoiceId: `INV-${s.runId}-1`, currency: 'EUR' });

    // A replay reads the current state with the versions ordersync handed out.
    const replay = await main.fetchOrderEvents(orders[0]!.id, 1, 100);
    expect(replay.map((e) => `${e.type} v${e.erpVersion}`)).toEqual([
      'order_creation v1',
      'invoice_creation v2',
    ]);
    expect(replay.map((e) => e.eventId)).toEqual([one.eventId, invoice.eventId]);
  });

  it('re-produces the same event ids after a crash between produce and save', async () => {
    const [o] = fixtureOrders(1, `SO-${s.runId}-crash`);
    await drain(feed('crash'));
    await s.writer().createOrder(o!);
    const crashed = await feed('crash').next(500);
    const lost = crashed.events.filter((e) => e.orderId === o!.id);
    expect(lost).toHaveLength(1);
    // No commit: the process died after Kafka had the page. A new process reads again.
    const again = await drain(feed('crash'));
    expect(again.filter((e) => e.orderId === o!.id).map((e) => e.eventId)).toEqual(
      lost.map((e) => e.eventId),
    );
    // A change after the crash gets a new version, never the reserved one with other content.
    o!.lines[0]!.qty += 2;
    await s.writer().updateLines(o!);
    expect(historyOf(await drain(feed('crash')), o!.id)).toEqual(['order_updation v2']);
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
    expect(historyOf(a1, early!.id)).toEqual(['order_updation v2']);
    expect(historyOf(b1, early!.id)).toEqual(['order_updation v2']);
    expect(historyOf(a1, late!.id)).toEqual([]);
    await tx.commit();

    const a2 = await drain(feed('lb'));
    expect(historyOf(a2, late!.id)).toEqual(['order_updation v2']);
    expect(a2.find((e) => e.orderId === late!.id)!.data).toMatchObject({
      lines: late!.lines.map((l) => ({ sku: l.sku, qty: l.qty })),
    });
    // The Kafka Connect JDBC failure: a plain watermark never sees it.
    expect(historyOf(await drain(feed('nolb', 0)), late!.id)).toEqual([]);
  });
}
