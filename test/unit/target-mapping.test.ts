import { describe, expect, it } from 'vitest';
import { orderDifferences } from '../../src/target/compare-order';
import { SCOPES, bag, bindValue, kindOf } from '../../src/target/sql/contract-fields';
import { loadMapping } from '../../src/target/sql/mapping';
import { parseNamedStatements } from '../../src/target/sql/named-params';
import { storedOrderFromRows } from '../../src/target/sql/stored-order';
import { orderHistory } from '../support/order-events';
import {
  MAGENTO_MAPPING,
  SHOPWARE_MAPPING,
  SHOP_MAPPING,
  WOOCOMMERCE_MAPPING,
  expectedFrom,
} from '../support/target-fixture';

describe('named parameters', () => {
  it('become ? in order, outside literals, quoted names and comments, with where they are', () => {
    const [st] = parseNamedStatements(
      "-- :notOne\nINSERT INTO t (`a:b`, c) VALUES (':no', :orderId, /* :nor */ :line.qty) # :nope\n",
    );
    expect(st!.sql).toContain("VALUES (':no', ?,");
    expect(st!.params.map((p) => [p.name, p.line, p.column])).toEqual([
      ['orderId', 2, 41],
      ['line.qty', 2, 62],
    ]);
  });

  it('split a file into statements at ; and keep := (an assignment) as it is', () => {
    const sts = parseNamedStatements('SET @x := 1;\nSELECT :orderId;\n');
    expect(sts.map((s) => s.sql)).toEqual(['SET @x := 1', 'SELECT ?']);
    expect(sts[1]!.line).toBe(2);
  });

  it('refuse a positional ?, which would bind nothing by name', () => {
    expect(() => parseNamedStatements('SELECT ?')).toThrow(/named parameter/);
  });
});

describe('contract fields', () => {
  it('are derived from the zod schemas, per scope, with dates and objects told apart', () => {
    const order = SCOPES.order();
    expect(kindOf(order, 'customer.email')).toBe('value');
    expect(kindOf(order, 'occurredAt')).toBe('date');
    expect(kindOf(order, 'shippingAddress')).toBe('json');
    expect(kindOf(order, 'attributes.storeCode')).toBe('value');
    expect(kindOf(order, 'line.qty')).toBeNull();
    expect(kindOf(SCOPES.line(), 'line.qty')).toBe('value');
    expect(kindOf(SCOPES.invoice(), 'invoice.issuedAt')).toBe('date');
    expect(kindOf(SCOPES.invoice(), 'status')).toBeNull();
    expect(kindOf(order, 'customer.emial')).toBeNull();
    // a generated parent key is for writes only: read_order.sql has nothing before it
    for (const scope of [order, SCOPES.line(), SCOPES.invoice()])
      expect(kindOf(scope, 'insertId')).toBe('value');
    expect(kindOf(SCOPES.key(), 'insertId')).toBeNull();
  });

  it('bind absent fields as NULL, dates as DATETIME(3), objects as JSON', () => {
    const [create] = orderHistory('O-1', 0);
    const values = bag(create!);
    expect(bindValue(values, 'occurredAt', 'date')).toBe('2026-11-01 12:00:01.000');
    expect(bindValue(values, 'shippingAddress.line2', 'value')).toBeNull();
    expect(bindValue(values, 'lineCount', 'value')).toBe(1);
    expect(JSON.parse(String(bindValue(values, 'customer', 'json')))).toEqual(
      (create!.data as { customer: unknown }).customer,
    );
  });
});

describe('mapping directories', () => {
  it('load the shipped Magento mapping and the test shop, WooCommerce and Shopware mappings', () => {
    expect(loadMapping(MAGENTO_MAPPING).statements['upsert_order.sql'].length).toBeGreaterThan(1);
    expect(loadMapping(SHOP_MAPPING).statements['insert_credit_note.sql']).toEqual([]);
    const woo = loadMapping(WOOCOMMERCE_MAPPING).statements;
    expect(woo['replace_lines.sql'][1]?.params.filter((p) => p.name === 'insertId')).toHaveLength(
      5,
    );
    // Shopware: credit notes through insert_invoice.sql; the reserved `order` is not a parameter
    const shopware = loadMapping(SHOPWARE_MAPPING).statements;
    expect(shopware['insert_credit_note.sql']).toEqual([]);
    expect(shopware['read_order.sql']).toHaveLength(3);
    expect(shopware['upsert_order.sql'][0]?.sql).toContain('INSERT INTO `order`');
  });
});

describe('read_order.sql rows', () => {
  it('become the contract shape, and the comparison sees decimals by value and a changed field', () => {
    const events = orderHistory('O-2', 1);
    const stored = storedOrderFromRows('O-2', [
      [
        {
          status: 'confirmed',
          total: '21.0000',
          'customer.name': 'Asha Rao',
          'shippingAddress.line2': null,
        },
      ],
      [{ 'line.sku': 'SKU-1', 'line.qty': '2.0000', 'line.unitPrice': '10.5000' }],
      [
        {
          'invoice.invoiceId': 'INV-O-2',
          'invoice.amount': '21.00',
          'invoice.issuedAt': '2026-11-01 12:00:03',
        },
      ],
    ]);
    expect(stored?.fields).toEqual({
      status: 'confirmed',
      total: '21.0000',
      customer: { name: 'Asha Rao' },
    });
    expect(orderDifferences(expectedFrom(events), stored)).toEqual([]);
    const changed = { ...stored!, fields: { ...stored!.fields, total: '21.01' } };
    expect(orderDifferences(expectedFrom(events), changed)).toEqual(['total differs']);
    expect(storedOrderFromRows('O-3', [[], []])).toBeNull();
  });

  it('compare a stored 0 or default kind with an absent field as equal, as reconciliation does', () => {
    const [create, , invoice] = orderHistory('O-4', 1);
    const events = [create!, invoice!];
    const expected = expectedFrom(events);
    expect(expected.fields.shippingTotal).toBeUndefined();
    const stored = {
      orderId: 'O-4',
      fields: { shippingTotal: '0.0000', roundingAdjustment: '-0.0000', taxTotal: 0 },
      lines: expected.lines.map((l) => ({ ...l, discount: '0.00' })),
      invoices: expected.invoices.map((i) => ({ ...i, kind: 'invoice' })),
    };
    expect(orderDifferences(expected, stored)).toEqual([]);
    const charged = { ...stored, fields: { shippingTotal: '0.01' } };
    expect(orderDifferences(expected, charged)).toEqual(['shippingTotal differs']);
    const credit = {
      ...stored,
      invoices: stored.invoices.map((i) => ({ ...i, kind: 'credit_note' })),
    };
    // a line or invoice that differs is named with its fields, never their values
    expect(orderDifferences(expected, credit)).toEqual([
      `invoice ${String(expected.invoices[0]!.invoiceId)} differs (kind)`,
    ]);
    const weighed = { ...stored, lines: stored.lines.map((l) => ({ ...l, qty: 2, tax: '0.01' })) };
    expect(orderDifferences(expected, weighed)).toEqual(['line 1 differs (qty, tax)']);
    // a zero is "none" only for the optional amounts: a stored total of 0 still differs
    expect(orderDifferences(expected, { ...stored, fields: { total: '0.00' } })).toEqual([
      'total differs',
    ]);
  });

  it('take an invoice date a column without fractions cut down (MariaDB) or rounded (MySQL 8.4)', () => {
    const [create, , invoice] = orderHistory('O-5', 1);
    const sent = expectedFrom([create!, invoice!]);
    const inv: Record<string, unknown> = {
      ...sent.invoices[0]!,
      issuedAt: '2026-12-01T10:00:00.656Z',
    };
    const expected = { ...sent, invoices: [inv] };
    const at = (issuedAt: string) => ({
      orderId: 'O-5',
      fields: sent.fields,
      lines: sent.lines,
      invoices: [{ ...inv, issuedAt }],
    });
    expect(orderDifferences(expected, at('2026-12-01 10:00:01'))).toEqual([]);
    expect(orderDifferences(expected, at('2026-12-01 10:00:00'))).toEqual([]);
    expect(orderDifferences(expected, at('2026-12-01 10:00:02'))).toEqual([
      `invoice ${String(inv.invoiceId)} differs (issuedAt)`,
    ]);
  });
});
