/**
 * Rows from a mapping's `orders.sql` and `invoices.sql` → the message
 * contract. Pure. The SQL names its columns after the contract (listed
 * below), so the mapping decides every value and this file decides none: a
 * status or channel the manifest does not map is passed on as the ERP wrote
 * it, and the consumer's validation dead-letters that order alone.
 */
import { createHash } from 'node:crypto';
import type { Manifest } from './mapping';

/** Columns `orders.sql` must return: one row per order line, the header repeated. */
export const ORDER_COLUMNS = [
  'order_id',
  'channel',
  'erp_status',
  'currency',
  'total',
  'customer_id',
  'customer_name',
  'ship_line1',
  'ship_city',
  'ship_postal_code',
  'ship_country',
  'sku',
  'qty',
  'unit_price',
] as const;

/**
 * Columns `orders.sql` may return; NULL or absent leaves the field out.
 * `bill_*` make a billing address when `bill_line1` is set; `attributes` is a
 * JSON object (text or the driver's JSON value).
 */
export const OPTIONAL_ORDER_COLUMNS = [
  'line_no',
  'customer_email',
  'customer_phone',
  'ship_line2',
  'tax_total',
  'shipping_total',
  'discount_total',
  'rounding_adjustment',
  'bill_line1',
  'bill_line2',
  'bill_city',
  'bill_postal_code',
  'bill_country',
  'attributes',
  'line_name',
  'line_discount',
  'line_tax',
] as const;

/** Columns `invoices.sql` must return, one row per invoice or credit note. */
export const INVOICE_COLUMNS = [
  'invoice_id',
  'order_id',
  'number',
  'amount',
  'tax',
  'currency',
  'issued_at',
  'marker',
] as const;

/** Columns `invoices.sql` may return: `kind` (`invoice` or `credit_note`) and `against_invoice_id`. */
export const OPTIONAL_INVOICE_COLUMNS = ['kind', 'against_invoice_id'] as const;

/** Columns `changed_orders.sql` must return. */
export const CHANGED_ORDER_COLUMNS = ['order_id', 'marker'] as const;

export type Row = Record<string, unknown>;

/** An order as the mapping read it: its channel and the snapshot the contract carries. */
export interface AssembledOrder {
  orderId: string;
  channel: string;
  data: Record<string, unknown>;
}

/** The columns of `required` that `row` lacks; a mapping that returns them misspelt fails `source check`. */
export function missingColumns(row: Row, required: readonly string[]): string[] {
  return required.filter((c) => !Object.hasOwn(row, c));
}

/**
 * Decimal text without the trailing zeros an ERP's `decimal(21,9)` adds past
 * the second place (`12.500000000` → `12.50`, `12.345000` → `12.345`). Never
 * rounded: places the contract cannot hold stay, and the contract refuses them.
 */
export function money(value: unknown): string {
  const raw = text(value) ?? '';
  const m = /^(-?\d+)\.(\d*)$/.exec(raw.trim());
  if (!m) return raw.trim();
  return `${m[1]}.${m[2]!.replace(/0+$/, '').padEnd(2, '0')}`;
}

/** A quantity as a number when it is one exactly (`2.000000000` → 2). */
export function quantity(value: unknown): unknown {
  const n = Number(value);
  return Number.isFinite(n) && String(value).trim() !== '' ? n : value;
}

/** A column's value as text; NULL (or an absent column) as undefined. */
export function text(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** Groups order rows by `order_id` (in row order) and builds each order's snapshot. */
export function assembleOrders(rows: readonly Row[], manifest: Manifest): AssembledOrder[] {
  const byOrder = new Map<string, Row[]>();
  for (const row of rows) {
    const id = String(row.order_id);
    const list = byOrder.get(id);
    if (list) list.push(row);
    else byOrder.set(id, [row]);
  }
  return [...byOrder.entries()].map(([orderId, lines]) => assembleOrder(orderId, lines, manifest));
}

function assembleOrder(orderId: string, rows: readonly Row[], manifest: Manifest): AssembledOrder {
  const h = rows[0]!;
  const sorted = rows.every((r) => r.line_no !== undefined && r.line_no !== null)
    ? [...rows].sort((a, b) => Number(a.line_no) - Number(b.line_no))
    : rows;
  const erpStatus = String(h.erp_status);
  const rawChannel = String(h.channel);
  const customer = compact({
    id: text(h.customer_id),
    name: text(h.customer_name),
    email: text(h.customer_email),
    phone: text(h.customer_phone),
  });
  const address = (prefix: 'ship' | 'bill') =>
    compact({
      line1: text(h[`${prefix}_line1`]),
      line2: text(h[`${prefix}_line2`]),
      city: text(h[`${prefix}_city`]),
      postalCode: text(h[`${prefix}_postal_code`]),
      country: text(h[`${prefix}_country`]),
    });
  const optionalMoney = (v: unknown) => (v === null || v === undefined ? undefined : money(v));
  return {
    orderId,
    channel: Object.hasOwn(manifest.channels, rawChannel)
      ? manifest.channels[rawChannel]!
      : rawChannel,
    data: compact({
      customer,
      lines: sorted.map((r) =>
        compact({
          sku: text(r.sku),
          qty: quantity(r.qty),
          unitPrice: money(r.unit_price),
          name: text(r.line_name),
          discount: optionalMoney(r.line_discount),
          tax: optionalMoney(r.line_tax),
        }),
      ),
      currency: text(h.currency),
      total: money(h.total),
      status: Object.hasOwn(manifest.statuses, erpStatus)
        ? manifest.statuses[erpStatus]!
        : erpStatus,
      // The ERP's own word, kept beside the mapped status.
      erpStatus,
      shippingAddress: address('ship'),
      billingAddress:
        h.bill_line1 === null || h.bill_line1 === undefined ? undefined : address('bill'),
      taxTotal: optionalMoney(h.tax_total),
      shippingTotal: optionalMoney(h.shipping_total),
      discountTotal: optionalMoney(h.discount_total),
      roundingAdjustment: optionalMoney(h.rounding_adjustment),
      attributes:
        h.attributes === null || h.attributes === undefined ? undefined : jsonValue(h.attributes),
    }),
  };
}

/** A JSON column: parsed when it arrives as text. */
function jsonValue(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

/** One invoice row → the contract's invoice. */
export function assembleInvoice(row: Row, issuedAt: string): Record<string, unknown> {
  return compact({
    invoiceId: text(row.invoice_id),
    number: text(row.number),
    amount: money(row.amount),
    tax: money(row.tax),
    currency: text(row.currency),
    issuedAt,
    kind: text(row.kind),
    againstInvoiceId: text(row.against_invoice_id),
  });
}

/** Removes undefined fields, so an absent optional column leaves the field out. */
function compact(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** JSON with object keys sorted at every level: equal content, equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** SHA-256 of an order's channel and snapshot in canonical form. */
export function snapshotHash(order: Pick<AssembledOrder, 'channel' | 'data'>): Buffer {
  return createHash('sha256')
    .update(canonicalJson({ channel: order.channel, data: order.data }))
    .digest();
}

/**
 * Event ids are derived from what the event says, so a poll that crashed
 * after producing and before saving produces the same ids again and the
 * ledger drops the repeats. A snapshot's id names its order, version and
 * hash; an invoice's its order and invoice id.
 */
export function snapshotEventId(orderId: string, version: number, hash: Buffer): string {
  const digest = createHash('sha256')
    .update(`${orderId}\n${version}\n${hash.toString('hex')}`)
    .digest('hex');
  return `qs-${digest.slice(0, 40)}`;
}

export function invoiceEventId(orderId: string, invoiceId: string): string {
  const digest = createHash('sha256').update(`${orderId}\n${invoiceId}`).digest('hex');
  return `qi-${digest.slice(0, 40)}`;
}
