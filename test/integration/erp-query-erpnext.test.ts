import type { Pool } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../src/db/pool';
import { fixtureOrders } from '../../src/erp/fixtures/fixture-order';
import { ErpnextWriter } from '../../src/erp/fixtures/erpnext-writer';
import { MysqlSqlClient } from '../../src/erp/sql/mysql-client';
import { testEnv } from '../support/env';
import { REPO, drain, historyOf, openAppPool, queryFeed } from '../support/query-source';

// The query source over the ERPNext fixture on MariaDB, read with the
// read-only ERP account, through the shipped mapping (mappings/erpnext).
const { cfg, runId } = testEnv('erpnext-query');
const MAPPING = `${REPO}/mappings/erpnext`;
let app: Pool;
let writer: ErpnextWriter;
let reader: MysqlSqlClient;

beforeAll(async () => {
  app = await openAppPool(cfg);
  writer = new ErpnextWriter(createPool(cfg.ORDERSYNC_ERP_WRITER_URL!, { connectionLimit: 3 }));
  await writer.init();
  await writer.reset();
  reader = MysqlSqlClient.fromUrl(cfg.ORDERSYNC_ERP_URL);
});

afterAll(async () => {
  await reader?.close();
  await writer?.pool.end();
  await app?.end();
});

describe('query source on the ERPNext fixture', () => {
  it('numbers versions itself, produces only changes, and keeps invoices in order', async () => {
    const orders = fixtureOrders(6, `SO-${runId}`);
    for (const o of orders) await writer.createOrder(o);
    const feed = queryFeed(reader, MAPPING, app, `q-${runId}`);

    const first = await drain(feed);
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
    expect(first.find((e) => e.orderId === orders[2]!.id)!.channel).toBe('international');
    // The look-back re-reads every order; unchanged hashes produce nothing.
    expect(await drain(feed)).toEqual([]);

    await writer.invoice(orders[0]!, `SINV-${runId}-1`);
    await writer.setStatus(orders[1]!.id, 'To Bill');
    await writer.cancel(orders[2]!.id);
    const changed = orders[3]!;
    changed.lines[0]!.qty += 1;
    await writer.updateLines(changed);
    const second = await drain(feed);
    expect(historyOf(second, orders[0]!.id)).toEqual(['invoice_creation v2']);
    expect(historyOf(second, orders[1]!.id)).toEqual(['order_updation v2']);
    expect(second.find((e) => e.orderId === orders[1]!.id)!.data).toMatchObject({
      status: 'shipped',
    });
    expect(second.find((e) => e.orderId === orders[2]!.id)!.data).toMatchObject({
      status: 'cancelled',
    });
    expect(second.find((e) => e.orderId === changed.id)!.data).toMatchObject({
      lines: changed.lines.map((l) => ({ sku: l.sku, qty: l.qty })),
    });
    expect(second).toHaveLength(4);
    const invoice = second.find((e) => e.type === 'invoice_creation')!;
    expect(invoice.data).toMatchObject({ invoiceId: `SINV-${runId}-1`, currency: 'EUR' });

    // A replay reads the current state with the versions ordersync handed out.
    const replay = await feed.fetchOrderEvents(orders[0]!.id, 1, 100);
    expect(replay.map((e) => `${e.type} v${e.erpVersion}`)).toEqual([
      'order_creation v1',
      'invoice_creation v2',
    ]);
    expect(replay.map((e) => e.eventId)).toEqual([one.eventId, invoice.eventId]);
  });

  it('re-produces the same event ids after a crash between produce and save', async () => {
    const [o] = fixtureOrders(1, `SO-${runId}-crash`);
    const name = `q-${runId}-crash`;
    await drain(queryFeed(reader, MAPPING, app, name));
    await writer.createOrder(o!);
    const crashed = await queryFeed(reader, MAPPING, app, name).next(500);
    const lost = crashed.events.filter((e) => e.orderId === o!.id);
    expect(lost).toHaveLength(1);
    // No commit: the process died after Kafka had the page. A new process reads again.
    const again = await drain(queryFeed(reader, MAPPING, app, name));
    expect(again.filter((e) => e.orderId === o!.id).map((e) => e.eventId)).toEqual(
      lost.map((e) => e.eventId),
    );
    // A change after the crash gets a new version, never the reserved one with other content.
    o!.lines[0]!.qty += 2;
    await writer.updateLines(o!);
    expect(historyOf(await drain(queryFeed(reader, MAPPING, app, name)), o!.id)).toEqual([
      'order_updation v2',
    ]);
  });

  it('catches a transaction that commits late within the look-back, and loses it without one', async () => {
    const [late, early] = fixtureOrders(2, `SO-${runId}-late`);
    const withLookback = `q-${runId}-lb`;
    const without = `q-${runId}-nolb`;
    await writer.createOrder(late!);
    await writer.createOrder(early!);
    await drain(queryFeed(reader, MAPPING, app, withLookback));
    await drain(queryFeed(reader, MAPPING, app, without, 0));

    late!.lines[0]!.qty += 3;
    const tx = await writer.lateLineUpdate(late!); // `modified` taken now, committed later
    await new Promise((r) => setTimeout(r, 20));
    early!.lines[0]!.qty += 1;
    await writer.updateLines(early!); // a later marker, committed first
    const a1 = await drain(queryFeed(reader, MAPPING, app, withLookback));
    const b1 = await drain(queryFeed(reader, MAPPING, app, without, 0));
    expect(historyOf(a1, early!.id)).toEqual(['order_updation v2']);
    expect(historyOf(b1, early!.id)).toEqual(['order_updation v2']);
    expect(historyOf(a1, late!.id)).toEqual([]);
    await tx.commit();

    const a2 = await drain(queryFeed(reader, MAPPING, app, withLookback));
    expect(historyOf(a2, late!.id)).toEqual(['order_updation v2']);
    expect(a2.find((e) => e.orderId === late!.id)!.data).toMatchObject({
      lines: late!.lines.map((l) => ({ sku: l.sku, qty: l.qty })),
    });
    // The Kafka Connect JDBC failure: a plain watermark never sees it.
    expect(historyOf(await drain(queryFeed(reader, MAPPING, app, without, 0)), late!.id)).toEqual(
      [],
    );
  });
});
