import type { Pool, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPLY_POOL_OPTIONS, createApplyActivities } from '../../activities/apply-order-events';
import { normalizeAmount } from '../../src/contracts/currency';
import type { OrderEvent } from '../../src/contracts/events';
import { migrate } from '../../src/db/migrate';
import { createPool } from '../../src/db/pool';
import { testEnv } from '../support/env';
import { orderHistory, uniqueOrderId } from '../support/order-events';

const { cfg } = testEnv('apply');
let pool: Pool;
let apply: ReturnType<typeof createApplyActivities>['applyOrderEvents'];

const ledger = async (orderId: string) => {
  const [rows] = await pool.query<RowDataPacket[]>(
    'SELECT event_id, erp_version, outcome, reason FROM applied_events WHERE order_id = ? ORDER BY seq',
    [orderId],
  );
  return rows.map((r) => ({
    eventId: r.event_id as string,
    v: Number(r.erp_version),
    outcome: r.outcome as string,
    reason: r.reason as string | null,
  }));
};
/**
 * A new order's creation and update, then an invoice whose number MySQL refuses:
 * past zod (the activity is called directly), 65 characters for a VARCHAR(64).
 */
const refusedInvoiceBatch = () => {
  const orderId = uniqueOrderId();
  const [create, update, invoice] = orderHistory(orderId, 1) as [
    OrderEvent,
    OrderEvent,
    OrderEvent & { data: { number: string } },
  ];
  const tooLong = { ...invoice, data: { ...invoice.data, number: 'N'.repeat(65) } } as OrderEvent;
  return { orderId, create, update, tooLong };
};
const orderRow = async (orderId: string) => {
  const [rows] = await pool.query<RowDataPacket[]>(
    'SELECT erp_version, snapshot_version, total, status, last_event_type FROM orders WHERE order_id = ?',
    [orderId],
  );
  // DECIMAL(20,4) reads back as "31.5000"; compared at INR's two decimals, and
  // normalizeAmount throws should a digit past them not be zero.
  const row = rows[0];
  return row && { ...row, total: normalizeAmount(String(row.total), 2) };
};

beforeAll(async () => {
  const migrator = createPool(cfg.ORDERSYNC_MYSQL_MIGRATE_URL!, { connectionLimit: 1 });
  await migrate(migrator);
  await migrator.end();
  pool = createPool(cfg.ORDERSYNC_MYSQL_URL, APPLY_POOL_OPTIONS);
  apply = createApplyActivities({ pool }).applyOrderEvents;
});
afterAll(async () => pool?.end());

describe('applyOrderEvents against MySQL', () => {
  it('applies creation, update and invoice in order and records each once', async () => {
    const orderId = uniqueOrderId();
    const events = orderHistory(orderId, 1);
    const result = await apply({ orderId, events });
    expect(result.outcomes.map((o) => o.outcome)).toEqual(['applied', 'applied', 'applied']);
    expect(result.order).toMatchObject({ exists: true, erpVersion: 3, invoiced: true });
    expect((await ledger(orderId)).map((l) => l.v)).toEqual([1, 2, 3]);
    expect(await orderRow(orderId)).toMatchObject({
      erp_version: 3,
      total: '21.00',
      last_event_type: 'invoice_creation',
    });
  });

  it('applies a batch in two round trips: begin, lock and read; writes, ledger and commit', async () => {
    const trips: string[] = [];
    // The real pool, with every round trip the apply makes on a connection recorded:
    // a query as the first word of each of its statements, a commit by its method name.
    const counting = {
      getConnection: async () => {
        const conn = await pool.getConnection();
        return new Proxy(conn, {
          get(target, key) {
            if (key === 'query')
              return (sql: string, params: unknown[]) => {
                trips.push(
                  sql
                    .split(';\n')
                    .map((st) => st.trim().split(/\s+/)[0]!.toUpperCase())
                    .join(' '),
                );
                return target.query(sql, params);
              };
            if (key === 'commit' || key === 'beginTransaction') trips.push(String(key));
            const value: unknown = Reflect.get(target, key, target);
            return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
          },
        });
      },
    } as unknown as Pool;
    const counted = createApplyActivities({ pool: counting }).applyOrderEvents;
    const orderId = uniqueOrderId();
    const events = orderHistory(orderId, 3);
    const result = await counted({ orderId, events });
    expect(result.outcomes.every((o) => o.outcome === 'applied')).toBe(true);
    expect(await orderRow(orderId)).toMatchObject({
      erp_version: 5,
      snapshot_version: 4,
      last_event_type: 'invoice_creation',
    });
    // A connection's first apply also sets its isolation level, once.
    expect(trips.filter((t) => t !== 'SET')).toEqual([
      'START INSERT SELECT',
      'INSERT INSERT INSERT COMMIT',
    ]);
  });

  it('refuses a pool that sends one statement per query, before any apply', async () => {
    const single = createPool(cfg.ORDERSYNC_MYSQL_URL, { connectionLimit: 1 });
    try {
      expect(() => createApplyActivities({ pool: single })).toThrow(/multipleStatements: true/);
    } finally {
      await single.end();
    }
  });

  it('is idempotent: a retried batch is a no-op recorded as duplicates', async () => {
    const orderId = uniqueOrderId();
    const events = orderHistory(orderId, 2);
    await apply({ orderId, events });
    const again = await apply({ orderId, events });
    expect(again.outcomes).toEqual(
      events.map((e) => ({ eventId: e.eventId, outcome: 'skipped', reason: 'duplicate' })),
    );
    expect(await ledger(orderId)).toHaveLength(events.length);
  });

  it('refuses to go backwards: an older version is skipped as stale and never overwrites', async () => {
    const orderId = uniqueOrderId();
    const [create, update1, update2] = orderHistory(orderId, 2) as [
      OrderEvent,
      OrderEvent,
      OrderEvent,
    ];
    await apply({ orderId, events: [create, update2] });
    const late = await apply({ orderId, events: [update1] });
    expect(late.outcomes).toEqual([
      { eventId: update1.eventId, outcome: 'skipped', reason: 'stale' },
    ]);
    expect(await orderRow(orderId)).toMatchObject({ erp_version: 3, total: '31.50' });
  });

  it('creates the order from an update when the creation is missing (upsert)', async () => {
    const orderId = uniqueOrderId();
    const [, update] = orderHistory(orderId, 1) as [OrderEvent, OrderEvent];
    const r = await apply({ orderId, events: [update] });
    expect(r.outcomes[0]?.outcome).toBe('applied');
    expect(await orderRow(orderId)).toMatchObject({
      erp_version: 2,
      last_event_type: 'order_updation',
    });
  });

  it('defers an invoice whose order does not exist yet, without a ledger row', async () => {
    const orderId = uniqueOrderId();
    const invoice = orderHistory(orderId, 0)[1]!;
    const r = await apply({ orderId, events: [invoice] });
    expect(r.outcomes).toEqual([{ eventId: invoice.eventId, outcome: 'deferred' }]);
    expect(r.order.exists).toBe(false);
    expect(await ledger(orderId)).toEqual([]);
  });

  it('rejects bad data, keeping the events before it and writing nothing of it', async () => {
    const orderId = uniqueOrderId();
    const [create, update] = orderHistory(orderId, 1) as [
      OrderEvent,
      OrderEvent & { data: { total: string } },
    ];
    const poisoned = { ...update, data: { ...update.data, total: '999.99' } } as OrderEvent;
    const r = await apply({ orderId, events: [create, poisoned] });
    expect(r.outcomes[0]).toEqual({ eventId: create.eventId, outcome: 'applied' });
    expect(r.outcomes[1]).toMatchObject({ eventId: poisoned.eventId, outcome: 'rejected' });
    expect((await ledger(orderId)).map((l) => l.eventId)).toEqual([create.eventId]);
    expect(await orderRow(orderId)).toMatchObject({ erp_version: 1 });
  });

  it('rejects an event MySQL cannot store, keeping the events before it', async () => {
    const orderId = uniqueOrderId();
    const [create, update] = orderHistory(orderId, 1) as [OrderEvent, OrderEvent];
    // An unrepresentable date fails inside the transaction, after the creation was written.
    const broken = { ...update, occurredAt: '+275760-09-13T00:00:00.001Z' };
    const r = await apply({ orderId, events: [create, broken] });
    expect(r.outcomes[0]).toEqual({ eventId: create.eventId, outcome: 'applied' });
    expect(r.outcomes[1]).toMatchObject({
      eventId: broken.eventId,
      outcome: 'rejected',
      error: expect.stringMatching(/cannot be stored/) as unknown,
    });
    expect(await orderRow(orderId)).toMatchObject({ erp_version: 1 });
    expect((await ledger(orderId)).map((l) => l.eventId)).toEqual([create.eventId]);
  });

  it('finds the event MySQL itself refuses inside a batched write, and keeps the events before it', async () => {
    const { orderId, create, update, tooLong } = refusedInvoiceBatch();
    const r = await apply({ orderId, events: [create, update, tooLong] });
    expect(r.outcomes.slice(0, 2)).toEqual([
      { eventId: create.eventId, outcome: 'applied' },
      { eventId: update.eventId, outcome: 'applied' },
    ]);
    expect(r.outcomes[2]).toMatchObject({
      eventId: tooLong.eventId,
      outcome: 'rejected',
      error: expect.stringMatching(/cannot be stored \(ER_DATA_TOO_LONG\)/) as unknown,
    });
    expect(await orderRow(orderId)).toMatchObject({ erp_version: 2 });
    expect((await ledger(orderId)).map((l) => l.eventId)).toEqual([create.eventId, update.eventId]);
    const [invoices] = await pool.query<RowDataPacket[]>(
      'SELECT 1 FROM invoices WHERE order_id = ?',
      [orderId],
    );
    expect(invoices).toHaveLength(0);
  });

  it('commits nothing of a batched write MySQL refuses: the COMMIT sent with it does not run', async () => {
    const { orderId, create, update, tooLong } = refusedInvoiceBatch();
    // What another connection sees when each attempt has read: the second attempt
    // (step by step) starts after the batched one failed and rolled back.
    const seen: Array<{ rows: number; ledger: number }> = [];
    const watched = createApplyActivities({
      pool,
      hooks: {
        afterReads: async (id) => {
          const [o] = await pool.query<RowDataPacket[]>('SELECT 1 FROM orders WHERE order_id = ?', [
            id,
          ]);
          seen.push({ rows: o.length, ledger: (await ledger(id)).length });
        },
      },
    }).applyOrderEvents;
    const r = await watched({ orderId, events: [create, update, tooLong] });
    expect(r.outcomes.map((o) => o.outcome)).toEqual(['applied', 'applied', 'rejected']);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    // The batched attempt's upsert ran before the invoice insert failed; none of it is committed.
    expect(seen[1]).toEqual({ rows: 0, ledger: 0 });
    expect((await ledger(orderId)).map((l) => l.eventId)).toEqual([create.eventId, update.eventId]);
  });

  it('finds a refused value inside a snapshot row of a batch too', async () => {
    const orderId = uniqueOrderId();
    const [create, update] = orderHistory(orderId, 1) as [
      OrderEvent,
      OrderEvent & { data: { currency: string } },
    ];
    const tooLong = { ...update, data: { ...update.data, currency: 'INRX' } } as OrderEvent;
    const r = await apply({ orderId, events: [create, tooLong] });
    expect(r.outcomes[0]).toEqual({ eventId: create.eventId, outcome: 'applied' });
    expect(r.outcomes[1]).toMatchObject({
      eventId: tooLong.eventId,
      outcome: 'rejected',
      error: expect.stringMatching(/cannot be stored \(ER_DATA_TOO_LONG\)/) as unknown,
    });
    expect(await orderRow(orderId)).toMatchObject({ erp_version: 1 });
    expect((await ledger(orderId)).map((l) => l.eventId)).toEqual([create.eventId]);
  });

  it('records an invoice that arrives after a newer snapshot instead of losing it as stale', async () => {
    const orderId = uniqueOrderId();
    const [create, , invoice] = orderHistory(orderId, 1) as [OrderEvent, OrderEvent, OrderEvent];
    const laterUpdate = { ...orderHistory(orderId, 4)[4]!, erpVersion: 5 };
    await apply({ orderId, events: [create, laterUpdate] });
    const r = await apply({ orderId, events: [invoice] });
    expect(r.outcomes).toEqual([{ eventId: invoice.eventId, outcome: 'applied' }]);
    expect(r.order).toMatchObject({ invoiced: true, erpVersion: 5 });
    expect(await orderRow(orderId)).toMatchObject({
      erp_version: 5,
      last_event_type: 'order_updation',
    });
  });

  it('rejects an invoice id or event id that already belongs to another order', async () => {
    const first = uniqueOrderId();
    const second = uniqueOrderId();
    const [c1, i1] = orderHistory(first, 0) as [
      OrderEvent,
      OrderEvent & { data: { invoiceId: string } },
    ];
    await apply({ orderId: first, events: [c1, i1] });
    const [c2, i2] = orderHistory(second, 0) as [
      OrderEvent,
      OrderEvent & { data: { invoiceId: string } },
    ];
    const stolenInvoice = {
      ...i2,
      data: { ...i2.data, invoiceId: i1.data.invoiceId },
    } as OrderEvent;
    const r = await apply({ orderId: second, events: [c2, stolenInvoice] });
    expect(r.outcomes[0]).toEqual({ eventId: c2.eventId, outcome: 'applied' });
    expect(r.outcomes[1]).toMatchObject({
      outcome: 'rejected',
      error: expect.stringMatching(/belongs to order/) as unknown,
    });
    const reusedEventId = { ...orderHistory(second, 1)[1]!, eventId: c1.eventId };
    const r2 = await apply({ orderId: second, events: [reusedEventId] });
    expect(r2.outcomes[0]).toMatchObject({ outcome: 'rejected' });
  });

  it('rejects an event of another order the same way as bad data', async () => {
    const orderId = uniqueOrderId();
    const foreign = orderHistory(uniqueOrderId(), 0)[0]!;
    const r = await apply({ orderId, events: [foreign] });
    expect(r.outcomes).toEqual([
      {
        eventId: foreign.eventId,
        outcome: 'rejected',
        error: expect.stringMatching(/belongs to/) as unknown,
      },
    ]);
  });

  it('applies an update that arrives after a newer invoice: the invoice does not move the snapshot guard', async () => {
    const orderId = uniqueOrderId();
    const [create, update, invoice] = orderHistory(orderId, 1) as [
      OrderEvent,
      OrderEvent,
      OrderEvent,
    ];
    await apply({ orderId, events: [create, invoice] });
    const late = await apply({ orderId, events: [update] });
    expect(late.outcomes).toEqual([{ eventId: update.eventId, outcome: 'applied' }]);
    expect(late.order).toMatchObject({ erpVersion: 3, snapshotVersion: 2, invoiced: true });
    expect(await orderRow(orderId)).toMatchObject({
      erp_version: 3,
      snapshot_version: 2,
      total: '21.00',
      status: 'confirmed',
      last_event_type: 'invoice_creation',
    });
    const [inv] = await pool.query<RowDataPacket[]>(
      'SELECT invoice_id FROM invoices WHERE order_id = ?',
      [orderId],
    );
    expect(inv).toHaveLength(1);
    // A snapshot older than the one applied is still stale.
    const again = await apply({ orderId, events: [{ ...create, eventId: `${create.eventId}-r` }] });
    expect(again.outcomes[0]).toMatchObject({ outcome: 'skipped', reason: 'stale' });
  });

  it('repairs a row the old guard left behind: a snapshot recorded stale after an invoice applies on replay', async () => {
    const orderId = uniqueOrderId();
    const [create, update, invoice] = orderHistory(orderId, 1) as [
      OrderEvent,
      OrderEvent,
      OrderEvent,
    ];
    await apply({ orderId, events: [create, invoice] });
    // What the old code wrote for a late v2: a stale ledger row and snapshot v1 under version 3.
    await pool.query(
      `INSERT INTO applied_events (event_id, order_id, type, erp_version, outcome, reason, applied_at)
       VALUES (?, ?, ?, 2, 'skipped', 'stale', UTC_TIMESTAMP(3))`,
      [update.eventId, orderId, update.type],
    );
    const replayed = await apply({ orderId, events: [create, update, invoice] });
    expect(replayed.outcomes.map((o) => o.outcome)).toEqual(['skipped', 'applied', 'skipped']);
    expect(await orderRow(orderId)).toMatchObject({ snapshot_version: 2, total: '21.00' });
    expect((await ledger(orderId)).map((l) => `${l.v}:${l.outcome}`)).toEqual([
      '1:applied',
      '3:applied',
      '2:applied',
    ]);
  });

  it('keeps order ids that differ only in case apart: two rows, two ledgers', async () => {
    const lower = `SO-a1-${uniqueOrderId().toLowerCase()}`;
    const upper = lower.toUpperCase();
    const a = orderHistory(lower, 0);
    const b = orderHistory(upper, 0).map((e) =>
      e.type === 'invoice_creation'
        ? { ...e, data: { ...e.data, invoiceId: e.data.invoiceId.toUpperCase() } }
        : e,
    );
    // The same invoice id up to case, as a case-insensitive ERP could not tell apart.
    const ra = await apply({ orderId: lower, events: a });
    const rb = await apply({ orderId: upper, events: b });
    expect(ra.outcomes.map((o) => o.outcome)).toEqual(['applied', 'applied']);
    expect(rb.outcomes.map((o) => o.outcome)).toEqual(['applied', 'applied']);
    const [rows] = await pool.query<RowDataPacket[]>(
      'SELECT order_id FROM orders WHERE order_id IN (?, ?) ORDER BY order_id',
      [lower, upper],
    );
    expect(rows.map((r) => r.order_id as string)).toEqual([upper, lower]);
    const [byLower] = await pool.query<RowDataPacket[]>(
      'SELECT order_id FROM orders WHERE order_id = ?',
      [lower],
    );
    expect(byLower.map((r) => r.order_id as string)).toEqual([lower]);
  });

  it('stores ids as real ERPs write them, up to 128 characters, byte for byte', async () => {
    const orderId = `SO/2025-26/${uniqueOrderId()} #ü`.padEnd(128, 'é');
    expect(orderId).toHaveLength(128);
    const events = orderHistory(orderId, 0).map((e) => ({
      ...e,
      eventId: `EV/${e.eventId}`.padEnd(128, '#'),
      ...(e.type === 'invoice_creation'
        ? { data: { ...e.data, invoiceId: `INV/24-25/${e.eventId}` } }
        : {}),
    })) as OrderEvent[];
    const r = await apply({ orderId, events });
    expect(r.outcomes.map((o) => o.outcome)).toEqual(['applied', 'applied']);
    const [rows] = await pool.query<RowDataPacket[]>(
      'SELECT order_id FROM orders WHERE order_id = ?',
      [orderId],
    );
    expect(rows[0]?.order_id).toBe(orderId);
    expect((await ledger(orderId)).map((l) => l.eventId)).toEqual(events.map((e) => e.eventId));
  });
});

describe('two overlapping applies of a new order', () => {
  it('serialise on the order lock: one applies, the other sees duplicates, neither fails', async () => {
    const orderId = uniqueOrderId();
    const events = orderHistory(orderId, 1);
    let reached!: () => void;
    const atHold = new Promise<void>((r) => (reached = r));
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const holding = createApplyActivities({
      pool,
      hooks: {
        afterReads: async (id) => {
          if (id !== orderId) return;
          reached();
          await held;
        },
      },
    }).applyOrderEvents;
    // The first attempt reads "no order" and stops before its insert.
    const first = holding({ orderId, events });
    await atHold;
    // The second attempt (a retry on another worker) runs meanwhile.
    let secondDone = false;
    const second = apply({ orderId, events }).finally(() => (secondDone = true));
    await new Promise((r) => setTimeout(r, 700));
    const secondFinishedWhileHeld = secondDone;
    release();
    const [r1, r2] = await Promise.all([first, second]);
    expect(secondFinishedWhileHeld).toBe(false);
    expect(r1.outcomes.map((o) => o.outcome)).toEqual(['applied', 'applied', 'applied']);
    expect(r2.outcomes).toEqual(
      events.map((e) => ({ eventId: e.eventId, outcome: 'skipped', reason: 'duplicate' })),
    );
    expect(r2.order).toMatchObject({ exists: true, erpVersion: 3, invoiced: true });
    expect((await ledger(orderId)).map((l) => l.v)).toEqual([1, 2, 3]);
  });
});
