/**
 * The built-in target: ordersync's own `orders` and `invoices` tables (lines,
 * customer and address as JSON columns). It also keeps the row's copy of the
 * versions (erp_version, snapshot_version, last_event_type), so readers of
 * today's tables, and workers of the previous release during a rolling
 * upgrade, see what they always saw; the guard itself lives in ordersync's
 * bookkeeping tables.
 */
import type { RowDataPacket } from 'mysql2/promise';
import type { PlannedWrite } from '../contracts/apply-plan';
import type { EventType } from '../contracts/events';
import { jsonColumn } from '../db/json-column';
import { toSqlDateTime } from '../db/time';
import { isDataError, mysqlCode, withoutQuotedValues } from '../db/mysql-errors';
import { invoiceOfRow, orderFieldsOfRow } from './row-shape';
import type { LegacyOrderState, StoredOrder, Target, TargetProblem } from './port';
import type { Statement } from './statement';

type SnapshotWrite = Extract<PlannedWrite, { kind: 'snapshot' }>;
type InvoiceWrite = Extract<PlannedWrite, { kind: 'invoice' }>;

/** The orders columns a snapshot sets, channel to total, as the built-in tables store them. */
export function snapshotColumns(e: SnapshotWrite['event']): unknown[] {
  const d = e.data;
  return [
    e.channel,
    d.status,
    JSON.stringify(d.customer),
    JSON.stringify(d.shippingAddress),
    JSON.stringify(d.lines),
    d.currency,
    d.total,
  ];
}

/**
 * The orders columns a snapshot write sets, channel to attributes, in the
 * statements' order. Contract version 2's columns come last, NULL when the
 * message has no such field (as every version-1 message).
 */
function snapshotValues(w: SnapshotWrite): unknown[] {
  const e = w.event;
  const d = e.data;
  return [
    ...snapshotColumns(e),
    w.erpVersion,
    e.erpVersion,
    w.lastEventType,
    toSqlDateTime(e.occurredAt),
    d.taxTotal ?? null,
    d.shippingTotal ?? null,
    d.discountTotal ?? null,
    d.roundingAdjustment ?? null,
    d.erpStatus ?? null,
    d.billingAddress ? JSON.stringify(d.billingAddress) : null,
    d.attributes ? JSON.stringify(d.attributes) : null,
  ];
}

function invoiceValues(orderId: string, w: InvoiceWrite): unknown[] {
  const d = w.event.data;
  return [
    d.invoiceId,
    orderId,
    d.number,
    d.amount,
    d.tax,
    d.currency,
    toSqlDateTime(d.issuedAt),
    d.kind ?? 'invoice',
    d.againstInvoiceId ?? null,
    d.lines ? JSON.stringify(d.lines) : null,
  ];
}

/** The columns of snapshotValues, in its order. */
const ORDER_COLUMNS = `channel, status, customer, shipping_address, \`lines\`, currency, total,
         erp_version, snapshot_version, last_event_type, updated_at, tax_total, shipping_total,
         discount_total, rounding_adjustment, erp_status, billing_address, attributes`;
const INSERT_INVOICES = `INSERT INTO invoices (invoice_id, order_id, number, amount, tax, currency, issued_at,
         kind, against_invoice_id, \`lines\`)
       VALUES ?`;
const INVOICE_TOUCHES_ORDER =
  'UPDATE orders SET erp_version = ?, last_event_type = ?, updated_at = ? WHERE order_id = ?';
/** Every snapshot of a batch in one statement: rows upsert the order in plan order. */
const UPSERT_ORDER = `INSERT INTO orders (${ORDER_COLUMNS}, created_at, order_id)
       VALUES ?
       ON DUPLICATE KEY UPDATE channel = VALUES(channel), status = VALUES(status),
         customer = VALUES(customer), shipping_address = VALUES(shipping_address),
         \`lines\` = VALUES(\`lines\`), currency = VALUES(currency), total = VALUES(total),
         erp_version = VALUES(erp_version), snapshot_version = VALUES(snapshot_version),
         last_event_type = VALUES(last_event_type), updated_at = VALUES(updated_at),
         tax_total = VALUES(tax_total), shipping_total = VALUES(shipping_total),
         discount_total = VALUES(discount_total), rounding_adjustment = VALUES(rounding_adjustment),
         erp_status = VALUES(erp_status), billing_address = VALUES(billing_address),
         attributes = VALUES(attributes)`;

/**
 * A whole plan's writes in at most two statements, with the same end state as
 * writing the steps one by one: every snapshot is a row of one multi-row
 * upsert (so MySQL checks each one's data), in plan order. Invoices after the
 * last snapshot move erp_version, last_event_type and updated_at: a final row
 * repeats that snapshot with their values (or, with no snapshot in the batch,
 * one UPDATE does). Then every invoice in one multi-row insert.
 */
export function batchedWrites(orderId: string, writes: PlannedWrite[]): Statement[] {
  const statements: Statement[] = [];
  const rowsOf: unknown[][] = [];
  let last: unknown[] | null = null;
  let trailing: InvoiceWrite | null = null;
  for (const w of writes) {
    if (w.kind === 'invoice') {
      trailing = w;
      continue;
    }
    const at = toSqlDateTime(w.event.occurredAt);
    last = [...snapshotValues(w), at, orderId];
    rowsOf.push(last);
    trailing = null;
  }
  if (trailing) {
    const touched = [
      trailing.erpVersion,
      trailing.lastEventType,
      toSqlDateTime(trailing.event.occurredAt),
    ];
    if (last) {
      // erp_version, snapshot_version (kept), last_event_type, updated_at
      rowsOf.push([
        ...last.slice(0, 7),
        touched[0],
        last[8],
        touched[1],
        touched[2],
        ...last.slice(11),
      ]);
    } else {
      statements.push({ sql: INVOICE_TOUCHES_ORDER, params: [...touched, orderId] });
    }
  }
  if (rowsOf.length > 0) statements.push({ sql: UPSERT_ORDER, params: [rowsOf] });
  const invoices = writes.filter((w): w is InvoiceWrite => w.kind === 'invoice');
  if (invoices.length > 0)
    statements.push({
      sql: INSERT_INVOICES,
      params: [invoices.map((w) => invoiceValues(orderId, w))],
    });
  return statements;
}

/** The columns the built-in writes and reads, per table, for the start-up check. */
const BUILTIN_COLUMNS: Record<string, readonly string[]> = {
  orders: [
    'order_id',
    'channel',
    'status',
    'customer',
    'shipping_address',
    'lines',
    'currency',
    'total',
    'erp_version',
    'snapshot_version',
    'last_event_type',
    'created_at',
    'updated_at',
    'tax_total',
    'shipping_total',
    'discount_total',
    'rounding_adjustment',
    'erp_status',
    'billing_address',
    'attributes',
  ],
  invoices: [
    'invoice_id',
    'order_id',
    'number',
    'amount',
    'tax',
    'currency',
    'issued_at',
    'kind',
    'against_invoice_id',
    'lines',
  ],
};

interface Row extends RowDataPacket {
  [k: string]: unknown;
}

export function createBuiltinTarget(): Target {
  return {
    kind: 'builtin',
    writeBatch: (_conn, orderId, writes) => Promise.resolve(batchedWrites(orderId, writes)),

    async writeStep(conn, orderId, w) {
      const at = toSqlDateTime(w.event.occurredAt);
      if (w.kind === 'invoice') {
        await conn.query(INSERT_INVOICES, [[invoiceValues(orderId, w)]]);
        await conn.query(INVOICE_TOUCHES_ORDER, [w.erpVersion, w.lastEventType, at, orderId]);
        return;
      }
      const values = snapshotValues(w);
      if (w.insert) {
        // Upsert semantics: an update for an order the target lacks creates it from the snapshot.
        await conn.query(`INSERT INTO orders (${ORDER_COLUMNS}, created_at, order_id) VALUES (?)`, [
          [...values, at, orderId],
        ]);
      } else {
        await conn.query(
          `UPDATE orders SET channel = ?, status = ?, customer = ?, shipping_address = ?, \`lines\` = ?,
             currency = ?, total = ?, erp_version = ?, snapshot_version = ?, last_event_type = ?,
             updated_at = ?, tax_total = ?, shipping_total = ?, discount_total = ?,
             rounding_adjustment = ?, erp_status = ?, billing_address = ?, attributes = ?
           WHERE order_id = ?`,
          [...values, orderId],
        );
      }
    },

    isDataError,

    describeDataError(err) {
      const e = err as Error;
      return `data cannot be stored (${mysqlCode(err) ?? e.name}): ${withoutQuotedValues(e.message)}`;
    },

    async readOrder(pool, orderId): Promise<StoredOrder | null> {
      const [orders] = await pool.query<Row[]>(
        `SELECT channel, status, customer, shipping_address, \`lines\`, currency, total
           FROM orders WHERE order_id = ?`,
        [orderId],
      );
      const o = orders[0];
      if (!o) return null;
      const [invoices] = await pool.query<Row[]>(
        `SELECT invoice_id, number, amount, tax, currency, issued_at
           FROM invoices WHERE order_id = ? ORDER BY invoice_id`,
        [orderId],
      );
      return {
        orderId,
        fields: orderFieldsOfRow(o),
        lines: jsonColumn<Array<Record<string, unknown>>>(o.lines),
        invoices: invoices.map(invoiceOfRow),
      };
    },

    async legacyState(conn, orderId): Promise<LegacyOrderState | null> {
      const [rows] = await conn.query<Row[]>(
        `SELECT erp_version, snapshot_version, last_event_type, currency,
                EXISTS (SELECT 1 FROM invoices i WHERE i.order_id = o.order_id) AS invoiced
           FROM orders o WHERE order_id = ?`,
        [orderId],
      );
      const r = rows[0];
      if (!r) return null;
      return {
        erpVersion: Number(r.erp_version),
        snapshotVersion: Number(r.snapshot_version),
        lastEventType: r.last_event_type as EventType,
        currency: String(r.currency),
        invoiced: Number(r.invoiced) === 1,
      };
    },

    async checkSchema(pool): Promise<TargetProblem[]> {
      const [rows] = await pool.query<Row[]>(
        `SELECT table_name AS t, column_name AS c FROM information_schema.columns
          WHERE table_schema = DATABASE() AND table_name IN (?)`,
        [Object.keys(BUILTIN_COLUMNS)],
      );
      const have = new Set(rows.map((r) => `${String(r.t)}.${String(r.c)}`));
      const problems: TargetProblem[] = [];
      for (const [table, columns] of Object.entries(BUILTIN_COLUMNS)) {
        const missing = columns.filter((c) => !have.has(`${table}.${c}`));
        if (missing.length === columns.length)
          problems.push({ where: table, message: `table ${table} does not exist` });
        else
          for (const c of missing)
            problems.push({ where: table, message: `column ${table}.${c} does not exist` });
      }
      return problems;
    },
  };
}
