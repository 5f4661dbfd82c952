import { jsonColumn } from '../db/json-column';

/**
 * The built-in tables and the ERP simulator's tables name their columns alike
 * (orders: channel … shipping_address; invoices: invoice_id … issued_at): a row
 * of either in the contract's shape.
 */
export const orderFieldsOfRow = (o: Record<string, unknown>): Record<string, unknown> => ({
  channel: o.channel,
  status: o.status,
  currency: o.currency,
  total: o.total,
  customer: jsonColumn(o.customer),
  shippingAddress: jsonColumn(o.shipping_address),
});

export const invoiceOfRow = (i: Record<string, unknown>): Record<string, unknown> => ({
  invoiceId: i.invoice_id,
  number: i.number,
  amount: i.amount,
  tax: i.tax,
  currency: i.currency,
  issuedAt: i.issued_at,
});
