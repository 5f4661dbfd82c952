import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  assembleOrders,
  canonicalJson,
  money,
  quantity,
  snapshotHash,
} from '../../src/erp/query/assemble';
import { MappingError, loadMapping, manifestSchema } from '../../src/erp/query/mapping';
import {
  earlierMarker,
  laterMarker,
  markerMinus,
  markerToIso,
  zoneShiftMs,
} from '../../src/erp/query/marker';
import type { OrderBook } from '../../src/erp/query/query-state';
import {
  creditNotesAfterTheirInvoices,
  planInvoices,
  planSnapshots,
} from '../../src/erp/query/versioning';

const manifest = manifestSchema.parse({
  name: 'unit',
  dialect: 'mysql',
  channels: { web: 'online' },
  statuses: { open: 'confirmed' },
});

const row = (over: Record<string, unknown> = {}) => ({
  order_id: 'A-1',
  channel: 'web',
  erp_status: 'open',
  currency: 'EUR',
  total: '20.000000000',
  customer_id: 'C1',
  customer_name: 'Ann',
  customer_email: null,
  ship_line1: 'Street 1',
  ship_city: 'Berlin',
  ship_postal_code: '10115',
  ship_country: 'DE',
  line_no: 1,
  sku: 'S1',
  qty: '2.000',
  unit_price: '10.0000',
  ...over,
});

describe('assembling the contract from mapping rows', () => {
  it('groups lines per order, maps channel and status, trims ERP decimals', () => {
    const [o] = assembleOrders([row({ line_no: 2, sku: 'S2' }), row()], manifest);
    expect(o).toEqual({
      orderId: 'A-1',
      channel: 'online',
      data: {
        customer: { id: 'C1', name: 'Ann' },
        lines: [
          { sku: 'S1', qty: 2, unitPrice: '10.00' },
          { sku: 'S2', qty: 2, unitPrice: '10.00' },
        ],
        currency: 'EUR',
        total: '20.00',
        status: 'confirmed',
        erpStatus: 'open',
        shippingAddress: { line1: 'Street 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
      },
    });
  });

  it('passes an unmapped status or channel on as written, for the consumer to refuse', () => {
    const [o] = assembleOrders([row({ erp_status: 'weird', channel: 'fax' })], manifest);
    expect(o!.channel).toBe('fax');
    expect(o!.data.status).toBe('weird');
  });

  it('keeps significant places the contract cannot hold, so they are refused, never rounded', () => {
    expect(money('12.345000')).toBe('12.345');
    expect(money('12.300')).toBe('12.30');
    expect(money('7')).toBe('7');
    expect(quantity('1.500')).toBe(1.5);
  });

  it('hashes content, not key order', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
    const [o] = assembleOrders([row()], manifest);
    const reordered = {
      channel: o!.channel,
      data: JSON.parse(JSON.stringify(o!.data)) as Record<string, unknown>,
    };
    expect(snapshotHash(reordered).equals(snapshotHash(o!))).toBe(true);
  });
});

describe('markers', () => {
  it('moves back by the look-back on the wall clock, never before the origin', () => {
    expect(markerMinus('2026-03-01 00:10:00.000000', 15 * 60_000)).toBe(
      '2026-02-28 23:55:00.000000',
    );
    expect(markerMinus('1970-01-01 00:01:00', 15 * 60_000)).toBe('1970-01-01 00:00:00.000000');
    expect(laterMarker('2026-01-01 00:00:00.5', '2026-01-01 00:00:00.25')).toBe(
      '2026-01-01 00:00:00.5',
    );
  });

  it('reads a marker in the ERP time zone as UTC, across daylight saving time', () => {
    expect(markerToIso('2026-01-15 12:00:00', 'Europe/Berlin')).toBe('2026-01-15T11:00:00.000Z');
    expect(markerToIso('2026-07-15 12:00:00.123', 'Europe/Berlin')).toBe(
      '2026-07-15T10:00:00.123Z',
    );
    expect(markerToIso('2026-07-15 12:00:00', 'UTC')).toBe('2026-07-15T12:00:00.000Z');
  });

  it('knows which zones shift their clocks, and by how much', () => {
    const at = Date.UTC(2026, 0, 1);
    expect(zoneShiftMs('UTC', at)).toBe(0);
    expect(zoneShiftMs('Asia/Kolkata', at)).toBe(0);
    expect(zoneShiftMs('Europe/Berlin', at)).toBe(3_600_000);
    expect(zoneShiftMs('Australia/Lord_Howe', at)).toBe(1_800_000);
    expect(earlierMarker('2026-01-01 00:00:00.5', '2026-01-01 00:00:00.25')).toBe(
      '2026-01-01 00:00:00.25',
    );
  });
});

describe('versions ordersync hands out', () => {
  const [order] = assembleOrders([row()], manifest);
  const at = () => '2026-01-01T00:00:00.000Z';

  it('creates an unseen order as version 1 and produces nothing for an acknowledged, unchanged one', () => {
    const books = new Map<string, OrderBook>();
    const first = planSnapshots([order!], books, at);
    expect(first.events.map((e) => [e.type, e.erpVersion])).toEqual([['order_creation', 1]]);
    books.set('A-1', { ...books.get('A-1')!, acked: true });
    expect(planSnapshots([order!], books, at).events).toEqual([]);
  });

  it('produces an unacknowledged version again with the same id, and a change as the next version', () => {
    const books = new Map<string, OrderBook>();
    const first = planSnapshots([order!], books, at);
    const again = planSnapshots([order!], books, at);
    expect(again.events.map((e) => e.eventId)).toEqual(first.events.map((e) => e.eventId));
    const [changed] = assembleOrders([row({ erp_status: 'other' })], manifest);
    const next = planSnapshots([changed!], books, at);
    expect(next.events.map((e) => [e.type, e.erpVersion])).toEqual([['order_updation', 2]]);
    expect(next.events[0]!.eventId).not.toBe(first.events[0]!.eventId);
  });

  it('gives an invoice its order next version and holds one whose order is unknown', () => {
    const books = new Map<string, OrderBook>();
    planSnapshots([order!], books, at);
    const inv = (id: string, orderId: string) => ({
      invoiceId: id,
      orderId,
      data: {},
      occurredAt: at(),
    });
    const { plan, waiting } = planInvoices([inv('I1', 'A-1'), inv('I2', 'B-9')], new Map(), books);
    expect(plan.events.map((e) => [e.type, e.erpVersion, e.channel])).toEqual([
      ['invoice_creation', 2, 'online'],
    ]);
    expect(waiting.map((w) => w.invoiceId)).toEqual(['I2']);
    expect(books.get('A-1')!.lastVersion).toBe(2);
  });

  it('books an invoice id for one order only: a repeated row is the same invoice, another order is a conflict', () => {
    const book = (lastVersion: number): OrderBook => ({
      channel: 'online',
      lastVersion,
      snapshotVersion: 1,
      hash: Buffer.alloc(0),
      acked: true,
    });
    const inv = (id: string, orderId: string) => ({
      invoiceId: id,
      orderId,
      data: {},
      occurredAt: at(),
    });
    const books = new Map([
      ['A-1', book(1)],
      ['B-2', book(1)],
    ]);
    // One invoice billing two orders, read as one row per order, and a join that doubled a row.
    const { plan, conflicts } = planInvoices(
      [inv('I1', 'A-1'), inv('I1', 'B-2'), inv('I1', 'A-1')],
      new Map(),
      books,
    );
    expect(plan.events.map((e) => `${e.orderId} v${e.erpVersion}`)).toEqual(['A-1 v2']);
    expect(plan.reservation.invoices.map((i) => i.invoiceId)).toEqual(['I1']);
    expect(conflicts).toEqual([{ invoiceId: 'I1', orderId: 'B-2', bookedFor: 'A-1' }]);
    expect(books.get('B-2')!.lastVersion).toBe(1);
    // Booked for A-1 earlier: a later read naming B-2 is a conflict, not a new version.
    const later = planInvoices(
      [inv('I1', 'B-2')],
      new Map([['I1', { orderId: 'A-1', version: 2, acked: true }]]),
      books,
    );
    expect(later.plan.events).toEqual([]);
    expect(later.conflicts).toEqual([{ invoiceId: 'I1', orderId: 'B-2', bookedFor: 'A-1' }]);
  });
});

describe('loading a mapping', () => {
  it('names a missing SQL file and every invalid manifest field', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mapping-'));
    writeFileSync(
      path.join(dir, 'manifest.json'),
      JSON.stringify({ name: 'x', dialect: 'oracle', channels: { a: 'moon' }, statuses: {} }),
    );
    expect(() => loadMapping(dir)).toThrow(MappingError);
    expect(() => loadMapping(dir)).toThrow(/dialect[\s\S]*channels\.a/);
    writeFileSync(
      path.join(dir, 'manifest.json'),
      JSON.stringify({ name: 'x', dialect: 'mysql', channels: {}, statuses: {} }),
    );
    expect(() => loadMapping(dir)).toThrow(/changed_orders\.sql/);
  });

  it('loads the shipped mappings', () => {
    for (const erp of ['erpnext', 'odoo']) {
      const m = loadMapping(path.join(__dirname, '..', '..', 'mappings', erp));
      expect(m.sql.orders).toContain(':order_ids');
      expect(m.sql.orderInvoices).toBeDefined();
    }
  });
});

describe('credit notes and their invoices in one read', () => {
  const inv = (invoiceId: string, againstInvoiceId?: string) => ({
    invoiceId,
    orderId: 'O-1',
    occurredAt: '2026-12-04T10:00:00.000Z',
    data: againstInvoiceId ? { invoiceId, kind: 'credit_note', againstInvoiceId } : { invoiceId },
  });
  const ids = (xs: Array<{ invoiceId: string }>) => xs.map((x) => x.invoiceId);

  it('moves a credit note read first to right after the invoice it corrects', () => {
    expect(
      ids(creditNotesAfterTheirInvoices([inv('CN-1', 'INV-1'), inv('INV-2'), inv('INV-1')])),
    ).toEqual(['INV-2', 'INV-1', 'CN-1']);
  });

  it('keeps the order when the invoice came first or is not in the read', () => {
    expect(ids(creditNotesAfterTheirInvoices([inv('INV-1'), inv('CN-1', 'INV-1')]))).toEqual([
      'INV-1',
      'CN-1',
    ]);
    expect(ids(creditNotesAfterTheirInvoices([inv('CN-9', 'INV-0'), inv('INV-1')]))).toEqual([
      'CN-9',
      'INV-1',
    ]);
  });

  it('numbers the credit note after its invoice', () => {
    const { plan } = planInvoices(
      [inv('CN-1', 'INV-1'), inv('INV-1')],
      new Map(),
      new Map<string, OrderBook>([
        [
          'O-1',
          {
            channel: 'online',
            lastVersion: 1,
            snapshotVersion: 1,
            hash: Buffer.alloc(0),
            acked: true,
          },
        ],
      ]),
    );
    expect(
      plan.events.map((e) => `${(e.data as { invoiceId: string }).invoiceId} v${e.erpVersion}`),
    ).toEqual(['INV-1 v2', 'CN-1 v3']);
  });
});
