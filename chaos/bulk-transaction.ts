/**
 * The bulk-erp-transaction traffic: an ERP job writes 2,000 orders of ten
 * change-log rows each (20,000 rows) in one transaction, holds it open while
 * ordinary orders commit rows above it, and commits last. A poller that keeps
 * only a high-water mark never sees the 20,000; ordersync's cursor keeps the
 * jump as one gap range and reads them when they commit. Shared by the
 * ordersync scenario and the seed designs'.
 */
import { randomUUID } from 'node:crypto';
import type { Pool } from 'mysql2/promise';
import type { OrderSnapshot } from '../src/contracts/events';
import { toSqlDateTime } from '../src/db/time';
import { ERP_ORDER_COLUMNS, erpOrderFields } from '../src/erp/simulator';
import { log, sleep } from './harness';

export const BULK_ORDERS = 2_000;
export const BULK_EVENTS_PER_ORDER = 10;
export const BULK_NOTE = `one ERP transaction of ${BULK_ORDERS * BULK_EVENTS_PER_ORDER} change-log rows (${BULK_ORDERS} orders × ${BULK_EVENTS_PER_ORDER} versions), committed after the ordinary traffic above it`;

function snapshot(i: number, version: number): OrderSnapshot {
  const lines = [{ sku: `BULK-${i % 97}`, qty: 1 + (version % 3), unitPrice: '12.50' }];
  return {
    customer: { id: `CUST-B${i}`, name: 'Bulk Import', email: `bulk${i}@example.com` },
    lines,
    currency: 'INR',
    total: (lines[0]!.qty * 12.5).toFixed(2),
    status: version === 1 ? 'pending' : 'confirmed',
    shippingAddress: {
      line1: '1 Import Road',
      city: 'Chennai',
      postalCode: '600001',
      country: 'IN',
    },
  };
}

/**
 * Opens the bulk transaction on its own connection (the ERP's tables and
 * change log for orders `${prefix}B…`), waits for `traffic` and a few polls
 * more, then commits.
 */
export async function bulkTransactionDuring(
  writer: Pool,
  prefix: string,
  traffic: Promise<unknown>,
): Promise<void> {
  const conn = await writer.getConnection();
  try {
    await conn.beginTransaction();
    const now = toSqlDateTime(new Date().toISOString());
    for (let from = 0; from < BULK_ORDERS; from += 100) {
      const ids = Array.from({ length: Math.min(100, BULK_ORDERS - from) }, (_, k) => from + k);
      const events = ids.flatMap((i) =>
        Array.from({ length: BULK_EVENTS_PER_ORDER }, (_, v) => [
          randomUUID(),
          `${prefix}B${i}`,
          'online',
          v === 0 ? 'order_creation' : 'order_updation',
          v + 1,
          now,
          JSON.stringify(snapshot(i, v + 1)),
        ]),
      );
      await conn.query(
        `INSERT INTO order_events (event_id, order_id, channel, type, version, occurred_at, payload) VALUES ?`,
        [events],
      );
      const finals = ids.map((i) => [i, snapshot(i, BULK_EVENTS_PER_ORDER)] as const);
      await conn.query(
        `INSERT INTO orders (order_id, channel, ${ERP_ORDER_COLUMNS}, created_at) VALUES ?`,
        [
          finals.map(([i, s]) => [
            `${prefix}B${i}`,
            'online',
            ...erpOrderFields(s, BULK_EVENTS_PER_ORDER, now),
            now,
          ]),
        ],
      );
      await conn.query(
        'INSERT INTO order_lines (order_id, line_no, sku, qty, unit_price) VALUES ?',
        [
          finals.flatMap(([i, s]) =>
            s.lines.map((l, n) => [`${prefix}B${i}`, n + 1, l.sku, l.qty, l.unitPrice]),
          ),
        ],
      );
    }
    log(`bulk ERP transaction holds ${BULK_ORDERS * BULK_EVENTS_PER_ORDER} rows open`);
    await traffic;
    // Several polls read past the open rows before they commit.
    await sleep(5_000);
    await conn.commit();
    log('bulk ERP transaction committed');
  } catch (err) {
    await conn.rollback().catch(() => undefined);
    throw err;
  } finally {
    conn.release();
  }
}
