import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';
import { CHANNELS } from '../contracts/events';
import type { Channel, Invoice, OrderSnapshot } from '../contracts/events';
import { runDdl, splitStatements } from '../db/migrate';
import { toSqlDateTime } from '../db/time';
import {
  creditNoteFor,
  currencyFor,
  erpStatusFor,
  invoiceFor,
  orderParties,
  randomLines,
  UPDATE_STATUSES,
  withTotals,
} from './simulated-orders';

export interface SimulateOptions {
  orders: number;
  /** Events per second across all writers; 0 = as fast as possible. */
  rate: number;
  /** Chance of one more update after each update (geometric; mean p/(1-p) updates). */
  updateProbability: number;
  /** Writer connections; several so that commits interleave. */
  concurrency: number;
  /** Order id prefix, so runs never collide. */
  prefix: string;
  /** Chance that a transaction holds its sequence number this long before committing (out-of-order commits). */
  lateCommitProbability: number;
  lateCommitMs: number;
  /** Orders written with a total that does not match their lines (poison, for chaos tests). */
  poisonOrders: number;
  /**
   * Pause between two events of the same order. 0: an order's events are written
   * back to back. Above 0, `concurrency` counts orders in flight (each takes a
   * pooled connection only for one event's transaction), so different orders'
   * events interleave and each order's events lie this far apart.
   */
  eventGapMs: number;
  /** Chance that an order's invoice is followed by a credit note against it. */
  creditNoteProbability: number;
  /** The channels orders take turns on (default all). */
  channels?: readonly Channel[];
  onEvent?: (written: number, planned: number) => void;
}

export const DEFAULT_SIMULATE: SimulateOptions = {
  orders: 200,
  rate: 0,
  updateProbability: 0.55,
  concurrency: 4,
  prefix: 'ORD',
  lateCommitProbability: 0.05,
  lateCommitMs: 300,
  poisonOrders: 0,
  eventGapMs: 0,
  creditNoteProbability: 0.2,
};

export interface SimulateReport {
  orderIds: string[];
  events: number;
  seconds: number;
}

const ddl = (file: string) => splitStatements(readFileSync(path.join(__dirname, file), 'utf8'));

/**
 * Creates the ERP's own tables, as the ERP's owner, and brings a database made
 * before contract version 2 up to it. The upgrade runs only while its last
 * column is missing, so a started ERP is not altered again on every run.
 */
export async function initErpSchema(writer: Pool): Promise<void> {
  for (const stmt of ddl('schema.sql')) await writer.query(stmt);
  const [done] = await writer.query<RowDataPacket[]>(
    `SELECT 1 FROM information_schema.columns
      WHERE table_schema = DATABASE() AND table_name = 'invoices' AND column_name = 'lines'`,
  );
  if (done.length > 0) return;
  for (const stmt of ddl('schema-v2.sql')) await runDdl(writer, stmt);
}

function pick<T>(xs: readonly T[]): T {
  return xs[Math.floor(Math.random() * xs.length)]!;
}

/** The ERP orders row's values for ERP_ORDER_COLUMNS, in that order. */
export function erpOrderFields(s: OrderSnapshot, version: number, now: string): unknown[] {
  return [
    s.status,
    JSON.stringify(s.customer),
    JSON.stringify(s.shippingAddress),
    s.currency,
    s.total,
    s.taxTotal ?? null,
    s.shippingTotal ?? null,
    s.discountTotal ?? null,
    s.roundingAdjustment ?? null,
    s.erpStatus ?? null,
    s.billingAddress ? JSON.stringify(s.billingAddress) : null,
    s.attributes ? JSON.stringify(s.attributes) : null,
    version,
    now,
  ];
}

interface Plan {
  orderId: string;
  channel: Channel;
  currency: string;
  updates: number;
  poison: boolean;
  /** A credit note follows the invoice. */
  creditNote: boolean;
}

/** Token bucket shared by all writers. */
function rateLimiter(rate: number) {
  if (rate <= 0) return async () => {};
  let next = Date.now();
  return async () => {
    const now = Date.now();
    next = Math.max(next, now) + 1000 / rate;
    const wait = next - now - 1000 / rate;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  };
}

/** Runs one event's transaction on a connection: the writer's own, or one from the pool. */
type Session = (fn: (conn: PoolConnection) => Promise<void>) => Promise<void>;

async function appendEvent(
  session: Session,
  plan: Plan,
  type: string,
  version: number,
  payload: OrderSnapshot | Invoice,
  write: (conn: PoolConnection) => Promise<void>,
  lateMs: number,
): Promise<void> {
  await session((conn) => appendEventOn(conn, { plan, type, version, payload, write, lateMs }));
}

async function appendEventOn(
  conn: PoolConnection,
  e: {
    plan: Plan;
    type: string;
    version: number;
    payload: OrderSnapshot | Invoice;
    write: (conn: PoolConnection) => Promise<void>;
    lateMs: number;
  },
): Promise<void> {
  const { plan, type, version, payload, write, lateMs } = e;
  const eventId = randomUUID();
  for (let attempt = 1; ; attempt++) {
    await conn.beginTransaction();
    try {
      const occurredAt = new Date().toISOString();
      // Taking the sequence first and committing later is what makes commits land out of sequence order.
      await conn.query(
        `INSERT INTO order_events (event_id, order_id, channel, type, version, occurred_at, payload)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [
          eventId,
          plan.orderId,
          plan.channel,
          type,
          version,
          toSqlDateTime(occurredAt),
          JSON.stringify(payload),
        ],
      );
      await write(conn);
      if (lateMs > 0) await new Promise((r) => setTimeout(r, lateMs));
      await conn.commit();
      return;
    } catch (err) {
      await conn.rollback().catch(() => undefined);
      // Like any ERP client, retry deadlocks; the rolled-back sequence number stays a gap.
      const code = (err as { code?: string }).code;
      if (attempt >= 5 || (code !== 'ER_LOCK_DEADLOCK' && code !== 'ER_LOCK_WAIT_TIMEOUT'))
        throw err;
    }
  }
}

async function writeOrder(
  session: Session,
  plan: Plan,
  opts: SimulateOptions,
  tick: () => Promise<void>,
  count: () => void,
) {
  const late = () => (Math.random() < opts.lateCommitProbability ? opts.lateCommitMs : 0);
  const { customer, shippingAddress, extras } = orderParties(plan.channel);
  let version = 0;
  let snapshot: OrderSnapshot | null = null;
  const upsertOrder = async (conn: PoolConnection, s: OrderSnapshot, v: number) => {
    const now = toSqlDateTime(new Date().toISOString());
    const fields = erpOrderFields(s, v, now);
    if (v === 1) {
      await conn.query(
        `INSERT INTO orders (${ERP_ORDER_COLUMNS}, created_at, order_id, channel) VALUES (?)`,
        [[...fields, now, plan.orderId, plan.channel]],
      );
    } else {
      await conn.query(
        `UPDATE orders SET status = ?, customer = ?, shipping_address = ?, currency = ?, total = ?,
           tax_total = ?, shipping_total = ?, discount_total = ?, rounding_adjustment = ?,
           erp_status = ?, billing_address = ?, attributes = ?, version = ?, updated_at = ?
         WHERE order_id = ?`,
        [...fields, plan.orderId],
      );
    }
    if (v > 1) await conn.query('DELETE FROM order_lines WHERE order_id = ?', [plan.orderId]);
    await conn.query(
      'INSERT INTO order_lines (order_id, line_no, sku, qty, unit_price, name, discount, tax) VALUES ?',
      [
        s.lines.map((l, i) => [
          plan.orderId,
          i + 1,
          l.sku,
          l.qty,
          l.unitPrice,
          l.name ?? null,
          l.discount ?? null,
          l.tax ?? null,
        ]),
      ],
    );
  };

  const gap = () =>
    opts.eventGapMs > 0 ? new Promise((r) => setTimeout(r, opts.eventGapMs)) : undefined;
  for (let step = 0; step <= plan.updates; step++) {
    if (step > 0) await gap();
    await tick();
    const lines: OrderSnapshot['lines'] =
      step === 0 || Math.random() < 0.5 ? randomLines(plan.currency) : snapshot!.lines;
    const status = step === 0 ? 'pending' : pick(UPDATE_STATUSES);
    const erpStatus = erpStatusFor(plan.channel, status);
    snapshot = withTotals(
      {
        customer,
        lines,
        currency: plan.currency,
        status,
        shippingAddress,
        ...extras,
        ...(erpStatus === undefined ? {} : { erpStatus }),
      },
      plan.channel,
      plan.poison && step === plan.updates,
    );
    version++;
    const s = snapshot;
    await appendEvent(
      session,
      plan,
      step === 0 ? 'order_creation' : 'order_updation',
      version,
      s,
      (conn) => upsertOrder(conn, s, version),
      late(),
    );
    count();
  }
  const invoice = invoiceFor(plan.orderId, plan.channel, snapshot!);
  const documents = plan.creditNote
    ? [invoice, creditNoteFor(plan.orderId, snapshot!, invoice)]
    : [invoice];
  for (const doc of documents) {
    await gap();
    await tick();
    version++;
    const v = version;
    await appendEvent(
      session,
      plan,
      'invoice_creation',
      v,
      doc,
      async (conn) => {
        await conn.query(
          `INSERT INTO invoices (invoice_id, order_id, number, amount, tax, currency, issued_at,
             kind, against_invoice_id, \`lines\`)
           VALUES (?)`,
          [
            [
              doc.invoiceId,
              plan.orderId,
              doc.number,
              doc.amount,
              doc.tax,
              doc.currency,
              toSqlDateTime(doc.issuedAt),
              doc.kind ?? 'invoice',
              doc.againstInvoiceId ?? null,
              doc.lines ? JSON.stringify(doc.lines) : null,
            ],
          ],
        );
        await conn.query('UPDATE orders SET version = ? WHERE order_id = ?', [v, plan.orderId]);
      },
      late(),
    );
    count();
  }
}

/** The ERP order columns a snapshot sets, in erpOrderFields' order. */
export const ERP_ORDER_COLUMNS = `status, customer, shipping_address, currency, total, tax_total, shipping_total,
  discount_total, rounding_adjustment, erp_status, billing_address, attributes, version, updated_at`;

/**
 * Writes realistic ERP traffic: each order is created, updated zero or more
 * times and invoiced, one transaction per event, by several writers at once.
 */
export async function simulate(
  writer: Pool,
  options: Partial<SimulateOptions> = {},
): Promise<SimulateReport> {
  const opts = { ...DEFAULT_SIMULATE, ...options };
  const started = Date.now();
  const runId = randomUUID().slice(0, 8);
  const plans: Plan[] = Array.from({ length: opts.orders }, (_, i) => {
    let updates = 0;
    while (Math.random() < opts.updateProbability && updates < 8) updates++;
    const channels = opts.channels?.length ? opts.channels : CHANNELS;
    const channel = channels[i % channels.length]!;
    return {
      orderId: `${opts.prefix}-${runId}-${String(i + 1).padStart(6, '0')}`,
      channel,
      currency: currencyFor(channel, i),
      updates: i < opts.poisonOrders ? Math.max(1, updates) : updates,
      poison: i < opts.poisonOrders,
      creditNote: Math.random() < opts.creditNoteProbability,
    };
  });
  const planned = plans.reduce((a, p) => a + p.updates + (p.creditNote ? 3 : 2), 0);
  let written = 0;
  const tick = rateLimiter(opts.rate);
  const count = () => {
    written++;
    opts.onEvent?.(written, planned);
  };
  let next = 0;
  const writers = Array.from({ length: Math.max(1, opts.concurrency) }, async () => {
    if (opts.eventGapMs > 0) {
      // Orders in flight: a pooled connection per event, none held during the gap.
      const pooled: Session = async (fn) => {
        const conn = await writer.getConnection();
        try {
          await fn(conn);
        } finally {
          conn.release();
        }
      };
      while (next < plans.length) await writeOrder(pooled, plans[next++]!, opts, tick, count);
      return;
    }
    const conn = await writer.getConnection();
    try {
      while (next < plans.length) {
        await writeOrder((fn) => fn(conn), plans[next++]!, opts, tick, count);
      }
    } finally {
      conn.release();
    }
  });
  await Promise.all(writers);
  return {
    orderIds: plans.map((p) => p.orderId),
    events: written,
    seconds: (Date.now() - started) / 1000,
  };
}
