import type { Pool, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPLY_POOL_OPTIONS, createApplyActivities } from '../../activities/apply-order-events';
import type { OrderEvent } from '../../src/contracts/events';
import { migrate } from '../../src/db/migrate';
import { createPool } from '../../src/db/pool';
import { orderDifferences } from '../../src/target/compare-order';
import type { Target } from '../../src/target/port';
import { loadMapping } from '../../src/target/sql/mapping';
import { createSqlTarget } from '../../src/target/sql/sql-target';
import { testEnv } from '../support/env';
import { orderHistory, uniqueOrderId } from '../support/order-events';
import { SHOPWARE_MAPPING, expectedFrom, installTargetFixture } from '../support/target-fixture';

// The shapes Shopware 6's order tables add, on the real server: BINARY(16) ids
// derived from the ERP's ids, the composite (id, version_id) key, the reserved
// table name, JSON price columns with generated amounts, statuses as
// state-machine rows, weighed quantities beside an INT quantity, an order
// discount as a promotion line item, documents for invoices and credit notes.

const { cfg } = testEnv('shopware');
const LIVE = '0FA91CE3E96A4BC2BE4BD9CE752C3425';
let pool: Pool;
let migrator: Pool;
let target: Target;
let apply: ReturnType<typeof createApplyActivities>['applyOrderEvents'];

beforeAll(async () => {
  migrator = createPool(cfg.ORDERSYNC_MYSQL_MIGRATE_URL!, { connectionLimit: 1 });
  await migrate(migrator);
  await installTargetFixture(cfg, SHOPWARE_MAPPING);
  pool = createPool(cfg.ORDERSYNC_MYSQL_URL, APPLY_POOL_OPTIONS);
  target = createSqlTarget(loadMapping(SHOPWARE_MAPPING));
  apply = createApplyActivities({ pool, target }).applyOrderEvents;
});
afterAll(async () => {
  await pool?.end();
  await migrator?.end();
});

const rows = async (sql: string, args: unknown[]) =>
  (await pool.query<RowDataPacket[]>(sql, args))[0];

/** A creation with a weighed and a counted line, a billing address, a discount and no e-mail. */
function goldOrder(orderId: string): [OrderEvent, OrderEvent] {
  const [create, update] = orderHistory(orderId, 1) as [OrderEvent, OrderEvent];
  const created = {
    ...create,
    data: {
      ...create.data,
      customer: { id: 'C-7', name: 'Asha Rao', phone: '+91 98450 00000' },
      lines: [
        {
          sku: 'GOLD-24K-G',
          name: '24K gold, by the gram',
          qty: 2.375,
          unitPrice: '6543.21',
          tax: '466.20',
        },
        { sku: 'BOX-VELVET', qty: 3, unitPrice: '150.00' },
      ],
      discountTotal: '150.00',
      roundingAdjustment: '-0.32',
      total: '16306.00',
      status: 'on_hold',
      erpStatus: 'To Deliver and Bill',
      billingAddress: {
        line1: '4 Lavelle Road',
        city: 'Bengaluru',
        postalCode: '560001',
        country: 'IN',
      },
      attributes: { storeCode: 'BLR-01', makingCharge: 1250.5 },
    },
  } as OrderEvent;
  const updated = {
    ...update,
    data: { ...update.data, status: 'confirmed', billingAddress: undefined },
  } as OrderEvent;
  return [created, updated];
}

describe('the Shopware 6 mapping on the real server', () => {
  it('derives binary ids in the live version, keeps weighed quantities beside the INT one, prices in JSON', async () => {
    const orderId = uniqueOrderId('SW');
    const [created] = goldOrder(orderId);
    expect((await apply({ orderId, events: [created] })).outcomes[0]?.outcome).toBe('applied');
    const [order] = await rows(
      `SELECT HEX(o.version_id) AS version, o.order_number, o.amount_total, o.shipping_total,
              s.technical_name AS state, HEX(o.billing_address_id) = HEX(d.shipping_order_address_id) AS billsToShipping
         FROM \`order\` o
         JOIN state_machine_state s ON s.id = o.state_id
         JOIN order_delivery d ON d.order_id = o.id AND d.order_version_id = o.version_id
        WHERE o.id = UNHEX(MD5(CONCAT('order:', ?)))`,
      [orderId],
    );
    expect(order).toMatchObject({ version: LIVE, order_number: orderId, state: 'on_hold' });
    expect(order?.amount_total).toBe(16306); // the generated DOUBLE column, from the JSON price
    expect(order?.billsToShipping).toBe(0);
    const items = await rows(
      `SELECT i.type, i.quantity, JSON_VALUE(i.payload, '$.erpQuantity') AS weighed, i.unit_price
         FROM order_line_item i
        WHERE i.order_id = UNHEX(MD5(CONCAT('order:', ?))) AND i.order_version_id = UNHEX(?)
        ORDER BY i.type, i.position`,
      [orderId, LIVE],
    );
    expect(items.map((i): unknown[] => [i.type, i.quantity, i.weighed])).toEqual([
      ['product', 1, '2.375'],
      ['product', 3, null],
      ['promotion', 1, null],
    ]);
    expect(
      orderDifferences(expectedFrom([created]), await target.readOrder(pool, orderId)),
    ).toEqual([]);
  });

  it('moves the state, drops the billing address and the discount with the ERP; documents for invoice and credit note', async () => {
    const orderId = uniqueOrderId('SW');
    const [created, updated] = goldOrder(orderId);
    const invoice = {
      eventId: `${orderId}-inv`,
      orderId,
      channel: 'online',
      type: 'invoice_creation',
      erpVersion: 3,
      occurredAt: '2026-11-01T12:00:03.000Z',
      data: {
        invoiceId: `I-${orderId}`,
        number: 'SINV-1',
        amount: '31.50',
        tax: '1.00',
        currency: 'INR',
        issuedAt: '2026-11-01T12:00:03.000Z',
      },
    } as OrderEvent;
    const credit = {
      ...invoice,
      eventId: `${orderId}-cn`,
      erpVersion: 4,
      data: {
        ...invoice.data,
        invoiceId: `C-${orderId}`,
        number: 'SRET-1',
        amount: '10.50',
        kind: 'credit_note',
        againstInvoiceId: `I-${orderId}`,
      },
    } as OrderEvent;
    const events = [created, updated, invoice, credit];
    const r = await apply({ orderId, events });
    expect(r.outcomes.map((o) => o.outcome)).toEqual(['applied', 'applied', 'applied', 'applied']);
    const stored = await target.readOrder(pool, orderId);
    expect(stored?.fields.status).toBe('confirmed');
    expect(stored?.fields.billingAddress).toBeUndefined();
    expect(stored?.fields.customer).toEqual({
      id: 'C-1',
      name: 'Asha Rao',
      email: 'asha@example.com',
    });
    expect(orderDifferences(expectedFrom(events), stored)).toEqual([]);
    const docs = await rows(
      `SELECT t.technical_name AS type, JSON_VALUE(d.config, '$.documentNumber') AS number,
              r.id IS NOT NULL AS referencesInvoice
         FROM document d JOIN document_type t ON t.id = d.document_type_id
         LEFT JOIN document r ON r.id = d.referenced_document_id
        WHERE d.order_id = UNHEX(MD5(CONCAT('order:', ?))) ORDER BY t.technical_name`,
      [orderId],
    );
    expect(docs.map((d): unknown[] => [d.type, d.number, d.referencesInvoice])).toEqual([
      ['credit_note', 'SRET-1', 1],
      ['invoice', 'SINV-1', 0],
    ]);
    const [counts] = await rows(
      `SELECT SUM(type = 'promotion') AS promotions, COUNT(*) AS items,
              (SELECT COUNT(*) FROM order_address a WHERE a.order_id = i.order_id) AS addresses
         FROM order_line_item i WHERE i.order_id = UNHEX(MD5(CONCAT('order:', ?)))`,
      [orderId],
    );
    // counts come back as decimal strings (the pool's decimal option)
    expect([counts?.promotions, counts?.items, counts?.addresses].map(Number)).toEqual([0, 1, 1]);
  });

  it('a status the shop has no state for blocks only its order, naming the statement and code, quoting no value', async () => {
    const retire = (from: string, to: string) =>
      migrator.query(
        `UPDATE state_machine_state s JOIN state_machine m ON m.id = s.state_machine_id
            SET s.technical_name = ? WHERE s.technical_name = ? AND m.technical_name = 'order.state'`,
        [to, from],
      );
    await retire('on_hold', 'on_hold_retired');
    try {
      const poison = uniqueOrderId('SW');
      const [created] = goldOrder(poison);
      const r = await apply({ orderId: poison, events: [created] });
      expect(r.outcomes[0]).toMatchObject({ outcome: 'rejected' });
      const reason = (r.outcomes[0] as { error: string }).error;
      expect(reason).toContain('upsert_order.sql (statement at line');
      expect(reason).toContain('ER_BAD_NULL_ERROR 1048');
      expect(reason).not.toContain('Asha');
      expect(reason).not.toContain(poison);
      expect(await target.readOrder(pool, poison)).toBeNull();
      const good = uniqueOrderId('SW');
      const ok = await apply({ orderId: good, events: orderHistory(good, 1) });
      expect(ok.outcomes.map((o) => o.outcome)).toEqual(['applied', 'applied', 'applied']);
    } finally {
      await retire('on_hold_retired', 'on_hold');
    }
  });
});
