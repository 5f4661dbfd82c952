import type { Pool, RowDataPacket } from 'mysql2/promise';
import { minorUnitExponent, normalizeAmount, normalizeRate } from './contracts/currency';
import { jsonColumn } from './db/json-column';

export interface VerifyReport {
  orders: number;
  matching: number;
  mismatched: Array<{ orderId: string; why: string }>;
  /** ERP events (by event id) with no ledger row: not applied, not skipped. */
  unaccounted: number;
  /** Event ids with more than one effect. The ledger's primary key makes this 0 unless the schema is broken. */
  duplicates: number;
  /** Applied snapshots older than one already applied to the same order, in seq order. */
  orderingViolations: number;
  /** ERP orders whose target row is missing or is not the ERP's latest snapshot. */
  staleOrders: number;
  /** ERP invoices with no target row. */
  missingInvoices: number;
  appliedEvents: number;
  skippedEvents: number;
}

/**
 * Where a system keeps its target rows and its append-only apply log. Every
 * system under test writes the same shapes: ordersync's own tables, and the
 * seed-design systems (bench/systems/seed) the same tables under a prefix.
 */
export interface TargetTables {
  orders: string;
  invoices: string;
  ledger: string;
  /** The tables have contract version 2's columns (erp_status, tax_total, kind, …), which are compared too. */
  contractV2?: boolean;
}

export const ORDERSYNC_TABLES: TargetTables = {
  orders: 'orders',
  invoices: 'invoices',
  ledger: 'ordersync_applied_events',
  contractV2: true,
};

/** Contract version 2's order columns: amounts, then the rest. */
const V2_ORDER_AMOUNTS = ['tax_total', 'shipping_total', 'discount_total', 'rounding_adjustment'];
const V2_ORDER_COLUMNS = [...V2_ORDER_AMOUNTS, 'erp_status', 'billing_address', 'attributes'];
const V2_INVOICE_COLUMNS = ['kind', 'against_invoice_id', '`lines`'];

/** Differences in contract version 2's order columns, ERP row `o` against target row `t`. */
function v2OrderDiffs(o: Row, t: Row): string[] {
  const why: string[] = [];
  const currency = String(o.currency);
  for (const col of V2_ORDER_AMOUNTS) {
    if (o[col] === null && t[col] === null) continue;
    const diff =
      o[col] === null || t[col] === null ? 'one side null' : sameAmount(o[col], t[col], currency);
    if (diff) why.push(`${col} ${diff}`);
  }
  if ((o.erp_status ?? null) !== (t.erp_status ?? null)) why.push('erp_status differs');
  if (canon(o.billing_address) !== canon(t.billing_address)) why.push('billing address differs');
  if (canon(o.attributes) !== canon(t.attributes)) why.push('attributes differ');
  return why;
}

/** An ERP order_lines row as the contract's line (amounts at the currency's exponent, the unit price a rate). */
function lineOf(l: Row, currency: string): Record<string, unknown> {
  const e = minorUnitExponent(currency);
  const amount = (v: unknown) => normalizeAmount(String(v), e);
  const line: Record<string, unknown> = {
    sku: String(l.sku),
    qty: Number(l.qty),
    unitPrice: normalizeRate(String(l.unit_price), e),
  };
  if (typeof l.name === 'string') line.name = l.name;
  if (l.discount !== null) line.discount = amount(l.discount);
  if (l.tax !== null) line.tax = amount(l.tax);
  return line;
}

interface Row extends RowDataPacket {
  [k: string]: unknown;
}

/** JSON with sorted keys: MySQL normalises key order in JSON columns, MariaDB keeps the text. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}
const canon = (v: unknown) => canonical(jsonColumn(v));

/**
 * Null when two DECIMAL column values are the same amount of `currency`, else
 * "target ≠ erp". Each is read at the currency's exponent ("120.1250" KWD is
 * "120.125"), exactly; a value that is not a whole number of minor units is
 * shown as stored and never equal.
 */
function sameAmount(erp: unknown, target: unknown, currency: string): string | null {
  const at = (v: unknown) => {
    const raw = String(v);
    try {
      return normalizeAmount(raw, minorUnitExponent(currency));
    } catch {
      return `${raw} (not whole minor units)`;
    }
  };
  const [e, t] = [at(erp), at(target)];
  return e === t && !e.includes(' ') ? null : `${t} ≠ ${e}`;
}

/**
 * The ordering check shared by every oracle: in apply order, each apply whose
 * version is not above the highest version already applied for its order.
 * With `repeats: false`, a second apply of the very same version is not
 * counted (the oracle counts it as applied twice instead), only an older one.
 */
export function countOrderingViolations(
  applies: Iterable<{ orderId: string; version: number }>,
  opts: { repeats?: boolean } = {},
): number {
  const repeats = opts.repeats ?? true;
  const highest = new Map<string, number>();
  let violations = 0;
  for (const { orderId, version } of applies) {
    const top = highest.get(orderId) ?? 0;
    if (version < top || (repeats && version === top)) violations++;
    highest.set(orderId, Math.max(version, top));
  }
  return violations;
}

/**
 * The oracle: compares the ERP's orders and invoices with the target's for
 * every order whose id starts with `prefix`, and checks the apply ledger.
 * `erp` and `app` may be different servers, so the comparison happens here.
 * `tables` names the system's target and log tables (trusted constants, never input).
 */
export async function verify(
  erp: Pool,
  app: Pool,
  prefix: string,
  tables: TargetTables = ORDERSYNC_TABLES,
  /**
   * Whether a second apply of an order's newest version counts as a violation.
   * ordersync's ledger holds one row per event, so any repeat is a defect; the
   * seed systems re-apply a redelivered event, which `appliedTwice` counts instead.
   */
  opts: { repeats?: boolean } = {},
): Promise<VerifyReport> {
  const like = `${prefix}%`;
  const [erpOrders] = await erp.query<Row[]>(
    `SELECT order_id, channel, status, customer, shipping_address, currency, total, version,
       ${V2_ORDER_COLUMNS.join(', ')} FROM orders WHERE order_id LIKE ?`,
    [like],
  );
  const [erpLines] = await erp.query<Row[]>(
    `SELECT l.order_id, l.sku, l.qty, l.unit_price, l.name, l.discount, l.tax, o.currency
       FROM order_lines l JOIN orders o ON o.order_id = l.order_id
      WHERE l.order_id LIKE ? ORDER BY l.order_id, l.line_no`,
    [like],
  );
  const [erpInvoices] = await erp.query<Row[]>(
    `SELECT invoice_id, order_id, number, amount, tax, currency, issued_at,
       ${V2_INVOICE_COLUMNS.join(', ')} FROM invoices WHERE order_id LIKE ?`,
    [like],
  );
  const [erpEvents] = await erp.query<Row[]>(
    'SELECT event_id FROM order_events WHERE order_id LIKE ?',
    [like],
  );
  const v2 = tables.contractV2 === true;
  const [appOrders] = await app.query<Row[]>(
    `SELECT order_id, channel, status, customer, shipping_address, \`lines\`, currency, total, erp_version
       ${v2 ? `, ${V2_ORDER_COLUMNS.join(', ')}` : ''} FROM ${tables.orders} WHERE order_id LIKE ?`,
    [like],
  );
  const [appInvoices] = await app.query<Row[]>(
    `SELECT invoice_id, order_id, number, amount, tax, currency, issued_at
       ${v2 ? `, ${V2_INVOICE_COLUMNS.join(', ')}` : ''} FROM ${tables.invoices} WHERE order_id LIKE ?`,
    [like],
  );
  const [ledger] = await app.query<Row[]>(
    `SELECT event_id, order_id, type, erp_version, outcome FROM ${tables.ledger} WHERE order_id LIKE ? ORDER BY seq`,
    [like],
  );

  const linesByOrder = new Map<string, Array<Record<string, unknown>>>();
  for (const l of erpLines) {
    const list = linesByOrder.get(String(l.order_id)) ?? [];
    list.push(lineOf(l, String(l.currency)));
    linesByOrder.set(String(l.order_id), list);
  }
  const target = new Map(appOrders.map((o) => [String(o.order_id), o]));
  const targetInvoices = new Map(appInvoices.map((i) => [String(i.invoice_id), i]));
  const mismatched: VerifyReport['mismatched'] = [];
  let missingInvoices = 0;
  for (const o of erpOrders) {
    const id = String(o.order_id);
    const t = target.get(id);
    const why: string[] = [];
    if (!t) why.push('missing in target');
    else {
      for (const col of ['channel', 'status', 'currency'] as const) {
        if (String(o[col]) !== String(t[col]))
          why.push(`${col} ${String(t[col])} ≠ ${String(o[col])}`);
      }
      const total = sameAmount(o.total, t.total, String(o.currency));
      if (total) why.push(`total ${total}`);
      if (Number(o.version) !== Number(t.erp_version))
        why.push(`version ${String(t.erp_version)} ≠ ${String(o.version)}`);
      if (canon(o.customer) !== canon(t.customer)) why.push('customer differs');
      if (canon(o.shipping_address) !== canon(t.shipping_address))
        why.push('shipping address differs');
      if (canonical(linesByOrder.get(id) ?? []) !== canon(t.lines)) why.push('lines differ');
      if (v2) why.push(...v2OrderDiffs(o, t));
    }
    if (why.length > 0) mismatched.push({ orderId: id, why: why.join('; ') });
  }
  const staleOrders = mismatched.length;
  for (const i of erpInvoices) {
    const t = targetInvoices.get(String(i.invoice_id));
    const cols = ['order_id', 'number', 'currency', 'issued_at'] as const;
    if (!t) missingInvoices++;
    const diff = t ? cols.filter((c) => String(i[c]) !== String(t[c])) : ['missing'];
    for (const c of ['amount', 'tax'] as const) {
      if (t && sameAmount(i[c], t[c], String(i.currency))) diff.push(c);
    }
    if (t && v2) {
      if (String(i.kind) !== String(t.kind)) diff.push('kind');
      if ((i.against_invoice_id ?? null) !== (t.against_invoice_id ?? null))
        diff.push('against_invoice_id');
      if (canon(i.lines) !== canon(t.lines)) diff.push('lines');
    }
    if (diff.length > 0)
      mismatched.push({
        orderId: String(i.order_id),
        why: `invoice ${String(i.invoice_id)}: ${diff.join(', ')}`,
      });
  }

  const counts = new Map<string, number>();
  for (const r of ledger) {
    const id = String(r.event_id);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  // Snapshots must never go backwards; an invoice is its own record, so a
  // snapshot older than an applied invoice (but newer than the applied
  // snapshot) is correct, not a violation.
  const applied = ledger.filter((r) => r.outcome === 'applied').length;
  const applies = ledger
    .filter((r) => r.outcome === 'applied' && r.type !== 'invoice_creation')
    .map((r) => ({ orderId: String(r.order_id), version: Number(r.erp_version) }));
  const orderingViolations = countOrderingViolations(applies, { repeats: opts.repeats ?? true });
  const unaccounted = erpEvents.filter((e) => !counts.has(String(e.event_id))).length;
  const duplicates = [...counts.values()].filter((n) => n > 1).length;
  return {
    orders: erpOrders.length,
    matching: erpOrders.length - new Set(mismatched.map((m) => m.orderId)).size,
    mismatched,
    unaccounted,
    duplicates,
    orderingViolations,
    staleOrders,
    missingInvoices,
    appliedEvents: applied,
    skippedEvents: ledger.length - applied,
  };
}

export function verified(r: VerifyReport): boolean {
  return (
    r.mismatched.length === 0 &&
    r.unaccounted === 0 &&
    r.duplicates === 0 &&
    r.orderingViolations === 0
  );
}
