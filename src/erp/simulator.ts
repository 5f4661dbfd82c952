import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Pool, PoolConnection } from 'mysql2/promise';
import { CHANNELS } from '../contracts/events';
import type { Channel, Invoice, OrderSnapshot } from '../contracts/events';
import { splitStatements } from '../db/migrate';
import { toSqlDateTime } from '../db/time';

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
};

export interface SimulateReport {
  orderIds: string[];
  events: number;
  seconds: number;
}

const CURRENCY: Record<Channel, string> = { online: 'INR', store: 'INR', international: 'USD' };
const STATUSES: OrderSnapshot['status'][] = ['confirmed', 'packed', 'shipped'];

/** Creates the ERP's own tables, as the ERP's owner. */
export async function initErpSchema(writer: Pool): Promise<void> {
  const file = path.join(__dirname, 'schema.sql');
  for (const stmt of splitStatements(readFileSync(file, 'utf8'))) await writer.query(stmt);
}

function pick<T>(xs: readonly T[]): T {
  return xs[Math.floor(Math.random() * xs.length)]!;
}

function randomLines(): OrderSnapshot['lines'] {
  const n = 1 + Math.floor(Math.random() * 4);
  return Array.from({ length: n }, (_, i) => ({
    sku: `SKU-${1000 + Math.floor(Math.random() * 9000)}-${i}`,
    qty: 1 + Math.floor(Math.random() * 3),
    unitPrice: (Math.floor(Math.random() * 500_00) / 100 + 1).toFixed(2),
  }));
}

function totalOf(lines: OrderSnapshot['lines']): string {
  const cents = lines.reduce((a, l) => a + l.qty * Math.round(Number(l.unitPrice) * 100), 0);
  return (cents / 100).toFixed(2);
}

/** The ERP orders row's status, customer, shipping_address, currency, total, version and updated_at, in that order. */
export function erpOrderFields(s: OrderSnapshot, version: number, now: string): unknown[] {
  const { status, currency, total } = s;
  return [
    status,
    JSON.stringify(s.customer),
    JSON.stringify(s.shippingAddress),
    currency,
    total,
    version,
    now,
  ];
}

interface Plan {
  orderId: string;
  channel: Channel;
  updates: number;
  poison: boolean;
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
  const customer = {
    id: `CUST-${Math.floor(Math.random() * 100000)}`,
    name: pick(['Asha Rao', 'Rahul Iyer', 'Meera Nair', "Dan O'Brien", 'Zoë Müller', 'Li Wei']),
    email: `c${Math.floor(Math.random() * 1e6)}@example.com`,
  };
  const shippingAddress = {
    line1: `${1 + Math.floor(Math.random() * 200)} Residency Road`,
    city: pick(['Chennai', 'Bengaluru', 'Mumbai', 'Singapore', 'Dubai']),
    postalCode: String(100000 + Math.floor(Math.random() * 800000)),
    country: plan.channel === 'international' ? pick(['SG', 'AE', 'US']) : 'IN',
  };
  let version = 0;
  let snapshot: OrderSnapshot | null = null;
  const upsertOrder = async (conn: PoolConnection, s: OrderSnapshot, v: number) => {
    const now = toSqlDateTime(new Date().toISOString());
    const fields = erpOrderFields(s, v, now);
    if (v === 1) {
      await conn.query(
        `INSERT INTO orders (status, customer, shipping_address, currency, total, version, updated_at, created_at, order_id, channel)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [...fields, now, plan.orderId, plan.channel],
      );
    } else {
      await conn.query(
        `UPDATE orders SET status = ?, customer = ?, shipping_address = ?, currency = ?, total = ?, version = ?, updated_at = ?
         WHERE order_id = ?`,
        [...fields, plan.orderId],
      );
    }
    if (v > 1) await conn.query('DELETE FROM order_lines WHERE order_id = ?', [plan.orderId]);
    await conn.query('INSERT INTO order_lines (order_id, line_no, sku, qty, unit_price) VALUES ?', [
      s.lines.map((l, i) => [plan.orderId, i + 1, l.sku, l.qty, l.unitPrice]),
    ]);
  };

  const gap = () =>
    opts.eventGapMs > 0 ? new Promise((r) => setTimeout(r, opts.eventGapMs)) : undefined;
  for (let step = 0; step <= plan.updates; step++) {
    if (step > 0) await gap();
    await tick();
    const lines: OrderSnapshot['lines'] =
      step === 0 || Math.random() < 0.5 ? randomLines() : snapshot!.lines;
    const bad = plan.poison && step === plan.updates;
    snapshot = {
      customer,
      lines,
      currency: CURRENCY[plan.channel],
      total: bad ? (Number(totalOf(lines)) + 1).toFixed(2) : totalOf(lines),
      status: step === 0 ? 'pending' : pick(STATUSES),
      shippingAddress,
    };
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
  await gap();
  await tick();
  version++;
  const taxCents = Math.round(Number(snapshot!.total) * 18);
  const invoice: Invoice = {
    invoiceId: `INV-${plan.orderId}`,
    number: `${plan.channel.slice(0, 2).toUpperCase()}/${new Date().getUTCFullYear()}/${Math.floor(Math.random() * 1e6)}`,
    amount: snapshot!.total,
    tax: (taxCents / 100).toFixed(2),
    currency: snapshot!.currency,
    issuedAt: new Date().toISOString(),
  };
  await appendEvent(
    session,
    plan,
    'invoice_creation',
    version,
    invoice,
    async (conn) => {
      await conn.query(
        'INSERT INTO invoices (invoice_id, order_id, number, amount, tax, currency, issued_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        [
          invoice.invoiceId,
          plan.orderId,
          invoice.number,
          invoice.amount,
          invoice.tax,
          invoice.currency,
          toSqlDateTime(invoice.issuedAt),
        ],
      );
      await conn.query('UPDATE orders SET version = ? WHERE order_id = ?', [version, plan.orderId]);
    },
    late(),
  );
  count();
}

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
    return {
      orderId: `${opts.prefix}-${runId}-${String(i + 1).padStart(6, '0')}`,
      channel: CHANNELS[i % CHANNELS.length]!,
      updates: i < opts.poisonOrders ? Math.max(1, updates) : updates,
      poison: i < opts.poisonOrders,
    };
  });
  const planned = plans.reduce((a, p) => a + p.updates + 2, 0);
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
