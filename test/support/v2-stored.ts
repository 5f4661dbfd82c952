/**
 * Reads an order of a V2Case back from the built-in tables and checks it is
 * what was sent: every amount digit for digit at the currency's exponent (a
 * DECIMAL(20,4) reads back as "120.1250"; normalizeAmount throws should a digit
 * past the exponent be anything but zero), every new field as written.
 */
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { expect } from 'vitest';
import { minorUnitExponent, normalizeAmount } from '../../src/contracts/currency';
import { jsonColumn } from '../../src/db/json-column';
import type { V2Case } from './v2-orders';

type Sent = Record<string, unknown>;

/** Amount text as stored, at `currency`'s exponent; null stays null. */
function stored(value: unknown, currency: string): string | null {
  if (value === null) return null;
  if (typeof value !== 'string') throw new Error(`DECIMAL read as ${typeof value}, not text`);
  return normalizeAmount(value, minorUnitExponent(currency));
}

/** Asserts the order and invoices of `c` are stored exactly as its messages carried them. */
export async function expectStoredAsSent(pool: Pool, c: V2Case): Promise<void> {
  const snapshots = c.events.filter((e) => e.type !== 'invoice_creation');
  const last = snapshots.at(-1)!.data as Sent;
  const currency = String(last.currency);
  const [orders] = await pool.query<RowDataPacket[]>(
    `SELECT status, currency, total, tax_total, shipping_total, discount_total, rounding_adjustment,
            erp_status, customer, billing_address, attributes, \`lines\`
       FROM orders WHERE order_id = ?`,
    [c.orderId],
  );
  expect(orders, `${c.name}: order row`).toHaveLength(1);
  const o = orders[0]!;
  const text = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : null);
  expect(o.currency).toBe(currency);
  expect(o.status).toBe(last.status);
  // Digit for digit: the sent totals are written at the currency's exponent.
  expect(stored(o.total, currency), `${c.name}: total`).toBe(String(last.total));
  for (const [col, field] of [
    ['tax_total', 'taxTotal'],
    ['shipping_total', 'shippingTotal'],
    ['discount_total', 'discountTotal'],
    ['rounding_adjustment', 'roundingAdjustment'],
  ] as const) {
    expect(stored(o[col], currency), `${c.name}: ${col}`).toBe(text(last[field]));
  }
  expect(o.erp_status).toBe(last.erpStatus ?? null);
  expect(jsonColumn(o.customer)).toStrictEqual(last.customer);
  expect(jsonColumn(o.billing_address)).toStrictEqual(last.billingAddress ?? null);
  expect(jsonColumn(o.attributes)).toStrictEqual(last.attributes ?? null);
  const lines = jsonColumn<Sent[]>(o.lines);
  const sentLines = last.lines as Sent[];
  expect(lines.map((l) => l.qty)).toStrictEqual(sentLines.map((l) => l.qty));
  expect(lines.map((l) => l.unitPrice)).toStrictEqual(sentLines.map((l) => String(l.unitPrice)));
  expect(lines.map((l) => l.name ?? null)).toStrictEqual(sentLines.map((l) => l.name ?? null));

  const invoices = c.events.filter((e) => e.type === 'invoice_creation').map((e) => e.data as Sent);
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT invoice_id, kind, against_invoice_id, amount, tax, currency, \`lines\`
       FROM invoices WHERE order_id = ? ORDER BY invoice_id`,
    [c.orderId],
  );
  const byId = new Map(rows.map((r) => [String(r.invoice_id), r]));
  expect(rows).toHaveLength(invoices.length);
  for (const inv of invoices) {
    const r = byId.get(String(inv.invoiceId));
    expect(r, `${c.name}: invoice ${String(inv.invoiceId)}`).toBeDefined();
    expect(r!.kind).toBe(inv.kind ?? 'invoice');
    expect(r!.against_invoice_id).toBe(inv.againstInvoiceId ?? null);
    expect(stored(r!.amount, currency)).toBe(String(inv.amount));
    expect(stored(r!.tax, currency)).toBe(String(inv.tax));
    expect(jsonColumn(r!.lines)).toStrictEqual(inv.lines ?? null);
  }
}
