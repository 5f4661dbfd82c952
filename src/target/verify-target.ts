/**
 * The oracle for any target: every ERP order compared with what the target's
 * own read (`read_order.sql` for a mapping) returns, plus the ledger checks
 * of src/verify.ts (every event accounted for, one effect each, in order).
 */
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { jsonColumn } from '../db/json-column';
import { verify } from '../verify';
import type { VerifyReport } from '../verify';
import { orderDifferences } from './compare-order';
import type { ExpectedOrder } from './compare-order';
import type { Target } from './port';
import { invoiceOfRow, orderFieldsOfRow } from './row-shape';

interface Row extends RowDataPacket {
  [k: string]: unknown;
}

/** The ERP's orders for `prefix` in the contract's shape, by order id. */
async function erpOrders(erp: Pool, prefix: string): Promise<Map<string, ExpectedOrder>> {
  const like = `${prefix}%`;
  const [orders] = await erp.query<Row[]>(
    `SELECT order_id, channel, status, customer, shipping_address, currency, total, tax_total,
       shipping_total, discount_total, rounding_adjustment, erp_status, billing_address, attributes
       FROM orders WHERE order_id LIKE ?`,
    [like],
  );
  const [lines] = await erp.query<Row[]>(
    'SELECT order_id, sku, qty, unit_price, name, discount, tax FROM order_lines WHERE order_id LIKE ? ORDER BY order_id, line_no',
    [like],
  );
  const [invoices] = await erp.query<Row[]>(
    'SELECT invoice_id, order_id, number, amount, tax, currency, issued_at, kind, against_invoice_id FROM invoices WHERE order_id LIKE ?',
    [like],
  );
  const out = new Map<string, ExpectedOrder>();
  for (const o of orders)
    out.set(String(o.order_id), {
      fields: {
        ...orderFieldsOfRow(o),
        taxTotal: o.tax_total,
        shippingTotal: o.shipping_total,
        discountTotal: o.discount_total,
        roundingAdjustment: o.rounding_adjustment,
        erpStatus: o.erp_status,
        billingAddress: jsonColumn(o.billing_address),
        attributes: jsonColumn(o.attributes),
      },
      lines: [],
      invoices: [],
    });
  for (const l of lines)
    out.get(String(l.order_id))?.lines.push({
      sku: l.sku,
      qty: l.qty,
      unitPrice: l.unit_price,
      name: l.name,
      discount: l.discount,
      tax: l.tax,
    });
  for (const i of invoices)
    out.get(String(i.order_id))?.invoices.push({
      ...invoiceOfRow(i),
      kind: i.kind,
      againstInvoiceId: i.against_invoice_id,
    });
  return out;
}

export async function verifyThroughTarget(
  erp: Pool,
  app: Pool,
  prefix: string,
  target: Target,
): Promise<VerifyReport> {
  const ledger = await verify(erp, app, prefix);
  const expected = await erpOrders(erp, prefix);
  const mismatched: VerifyReport['mismatched'] = [];
  let missingInvoices = 0;
  for (const [orderId, order] of expected) {
    const why = orderDifferences(order, await target.readOrder(app, orderId));
    missingInvoices += why.filter(
      (w) => w.endsWith(' missing') || w === 'missing in target',
    ).length;
    if (why.length > 0) mismatched.push({ orderId, why: why.join('; ') });
  }
  return {
    ...ledger,
    matching: expected.size - mismatched.length,
    mismatched,
    staleOrders: mismatched.length,
    missingInvoices,
  };
}
