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
import {
  MAGENTO_MAPPING,
  SHOPWARE_MAPPING,
  SHOP_MAPPING,
  WOOCOMMERCE_MAPPING,
  expectedFrom,
  installTargetFixture,
  ownInvoiceNumbers,
} from '../support/target-fixture';

const { cfg } = testEnv('sqltarget');
let pool: Pool;
let migrator: Pool;

beforeAll(async () => {
  migrator = createPool(cfg.ORDERSYNC_MYSQL_MIGRATE_URL!, { connectionLimit: 1 });
  await migrate(migrator);
  await installTargetFixture(cfg, MAGENTO_MAPPING);
  await installTargetFixture(cfg, SHOP_MAPPING);
  await installTargetFixture(cfg, WOOCOMMERCE_MAPPING);
  await installTargetFixture(cfg, SHOPWARE_MAPPING);
  pool = createPool(cfg.ORDERSYNC_MYSQL_URL, APPLY_POOL_OPTIONS);
});
afterAll(async () => {
  await pool?.end();
  await migrator?.end();
});

/** Two lines in the creation, one in the update: the update must drop a line. */
function twoThenOneLine(orderId: string, channel: OrderEvent['channel'] = 'online'): OrderEvent[] {
  const [create, update, invoice] = orderHistory(orderId, 1, channel) as [
    OrderEvent & { data: { lines: unknown[]; total: string } },
    OrderEvent,
    OrderEvent,
  ];
  const created = {
    ...create,
    data: {
      ...create.data,
      customer: { id: 'C-9', name: "Siobhan  O'Brien", email: 'sob@example.com' },
      lines: [
        { sku: 'SKU-1', qty: 1, unitPrice: '10.50' },
        { sku: 'SKU-2', qty: 3, unitPrice: '2.25' },
      ],
      total: '17.25',
      shippingAddress: {
        line1: '1 Main Road',
        line2: 'Flat 2',
        city: 'Cork',
        postalCode: 'T12',
        country: 'IE',
      },
    },
  } as OrderEvent;
  return ownInvoiceNumbers([created, update, invoice]);
}

for (const [name, dir] of [
  ['magento', MAGENTO_MAPPING],
  ['a made-up shop schema', SHOP_MAPPING],
  ['woocommerce (HPOS)', WOOCOMMERCE_MAPPING],
  ['shopware 6', SHOPWARE_MAPPING],
] as const) {
  describe(`the sql target with the ${name} mapping, on the real server`, () => {
    let target: Target;
    let apply: ReturnType<typeof createApplyActivities>['applyOrderEvents'];
    beforeAll(() => {
      target = createSqlTarget(loadMapping(dir));
      apply = createApplyActivities({ pool, target }).applyOrderEvents;
    });

    it('writes creation, update (fewer lines) and invoice; read_order.sql reads back what the ERP holds', async () => {
      const orderId = uniqueOrderId('M');
      const events = twoThenOneLine(orderId);
      const [create] = events as [OrderEvent];
      const first = await apply({ orderId, events: [create] });
      expect(first.outcomes.map((o) => o.outcome)).toEqual(['applied']);
      expect(
        orderDifferences(expectedFrom([create]), await target.readOrder(pool, orderId)),
      ).toEqual([]);
      const rest = await apply({ orderId, events });
      expect(rest.outcomes.map((o) => o.outcome)).toEqual(['skipped', 'applied', 'applied']);
      const stored = await target.readOrder(pool, orderId);
      expect(stored?.lines).toHaveLength(1);
      expect(stored?.invoices).toHaveLength(1);
      expect(orderDifferences(expectedFrom(events), stored)).toEqual([]);
      // The comparison is not vacuous: the creation's state differs from what is stored now.
      expect(orderDifferences(expectedFrom([create]), stored)).not.toEqual([]);
    });

    it('decides late and repeated events with the same guard: nothing re-applied', async () => {
      const orderId = uniqueOrderId('M');
      const events = ownInvoiceNumbers(orderHistory(orderId, 2));
      await apply({ orderId, events });
      const late = await apply({ orderId, events: [events[1]!] });
      expect(late.outcomes).toEqual([
        { eventId: events[1]!.eventId, outcome: 'skipped', reason: 'duplicate' },
      ]);
      const older = { ...events[1]!, eventId: `${events[1]!.eventId}-again` };
      const stale = await apply({ orderId, events: [older] });
      expect(stale.outcomes[0]).toMatchObject({ outcome: 'skipped', reason: 'stale' });
      expect(orderDifferences(expectedFrom(events), await target.readOrder(pool, orderId))).toEqual(
        [],
      );
    });
  });
}

describe('a poison order under the magento mapping', () => {
  it('breaks a foreign key: blocks only its own order, naming the statement and code, quoting no value', async () => {
    const target = createSqlTarget(loadMapping(MAGENTO_MAPPING));
    const apply = createApplyActivities({ pool, target }).applyOrderEvents;
    // The retailer has no international store (yet): orders of that channel break sales_order's store FK.
    await migrator.query('DELETE FROM store WHERE store_id = 3');
    try {
      const good = uniqueOrderId('M');
      const poison = uniqueOrderId('M');
      const [pCreate] = orderHistory(poison, 0, 'international') as [OrderEvent];
      const r = await apply({ orderId: poison, events: [pCreate] });
      expect(r.outcomes[0]).toMatchObject({ outcome: 'rejected' });
      const reason = (r.outcomes[0] as { error: string }).error;
      expect(reason).toContain('upsert_order.sql');
      expect(reason).toContain('ER_NO_REFERENCED_ROW_2 1452');
      expect(reason).not.toContain('Asha');
      expect(reason).not.toContain('asha@example.com');
      expect(reason).not.toContain(poison);
      expect(await target.readOrder(pool, poison)).toBeNull();
      const [ledger] = await pool.query<RowDataPacket[]>(
        'SELECT 1 FROM ordersync_applied_events WHERE order_id = ?',
        [poison],
      );
      expect(ledger).toHaveLength(0);
      const events = ownInvoiceNumbers(orderHistory(good, 1, 'online'));
      const ok = await apply({ orderId: good, events });
      expect(ok.outcomes.map((o) => o.outcome)).toEqual(['applied', 'applied', 'applied']);
    } finally {
      await migrator.query(
        "INSERT IGNORE INTO store (store_id, code, name) VALUES (3, 'international', 'International')",
      );
    }
  });
});

describe('the WooCommerce mapping: shapes the Magento one does not have', () => {
  it('keeps one address row per kind (billing only while the ERP sends one), maps statuses both ways, pivots line meta', async () => {
    const target = createSqlTarget(loadMapping(WOOCOMMERCE_MAPPING));
    const apply = createApplyActivities({ pool, target }).applyOrderEvents;
    const orderId = uniqueOrderId('W');
    const [create, update] = orderHistory(orderId, 1) as [OrderEvent, OrderEvent];
    const billing = { line1: '9 Bill Street', city: 'Leeds', postalCode: 'LS1', country: 'GB' };
    const withBilling = {
      ...create,
      data: {
        ...create.data,
        status: 'partially_shipped',
        billingAddress: billing,
        lines: [{ sku: 'W-1', qty: 1.5, unitPrice: '4.10', name: 'Rope', discount: '0.15' }],
        total: '6.00',
      },
    } as OrderEvent;
    expect((await apply({ orderId, events: [withBilling] })).outcomes[0]?.outcome).toBe('applied');
    const first = await target.readOrder(pool, orderId);
    expect(first?.fields.billingAddress).toEqual({ ...billing });
    expect(first?.fields.status).toBe('partially_shipped');
    expect(orderDifferences(expectedFrom([withBilling]), first)).toEqual([]);
    const [rows] = await pool.query<RowDataPacket[]>(
      `SELECT o.status FROM wc_orders o JOIN wc_orders_meta k ON k.order_id = o.id
        WHERE k.meta_key = '_erp_order_id' AND k.meta_value = ?`,
      [orderId],
    );
    expect(rows[0]?.status).toBe('wc-partially_shipped');
    const withoutBilling = {
      ...update,
      data: { ...update.data, status: 'confirmed', billingAddress: undefined },
    } as OrderEvent;
    expect((await apply({ orderId, events: [withoutBilling] })).outcomes[0]?.outcome).toBe(
      'applied',
    );
    const second = await target.readOrder(pool, orderId);
    expect(second?.fields.billingAddress).toBeUndefined();
    expect(second?.fields.status).toBe('confirmed');
    expect(orderDifferences(expectedFrom([withBilling, withoutBilling]), second)).toEqual([]);
  });
});
