import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';
import { faultPoint } from '../src/chaos-hooks';
import { planApply, rejectAt } from '../src/contracts/apply-plan';
import type { ApplyPlan, LedgerRow, PlanInput, PlannedWrite } from '../src/contracts/apply-plan';
import type { EventType } from '../src/contracts/events';
import type { TotalRule } from '../src/contracts/total-rule';
import type { ApplyInput, ApplyResult } from '../src/contracts/workflow-types';
import { toSqlDateTime } from '../src/db/time';

/** A row of readState's one statement: the order (k = order), an invoice or a ledger row. */
interface StateRow extends RowDataPacket {
  k: 'order' | 'invoice' | 'ledger';
  n1: number | string | null;
  n2: number | string | null;
  s1: string | null;
  s2: string | null;
  s3: string | null;
  s4: string | null;
}

/**
 * READ COMMITTED for the apply's connections, set once per connection rather
 * than once per transaction: a locking read of a not-yet-existing order takes
 * no gap lock, so two new orders' applies cannot deadlock on the same index gap.
 */
const readCommittedConnections = new WeakSet<object>();
async function readCommitted(conn: PoolConnection): Promise<void> {
  const raw = (conn as unknown as { connection?: object }).connection ?? conn;
  if (readCommittedConnections.has(raw)) return;
  await conn.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
  readCommittedConnections.add(raw);
}

/**
 * MySQL errors that mean one event's data cannot be stored (too long, bad
 * date, out of range); retrying cannot help, so the event is rejected. Not
 * ER_DUP_ENTRY: every id the apply writes is checked in the plan first, so a
 * duplicate key can only come from a concurrent writer and is retried.
 */
const DATA_ERRORS = new Set([
  'ER_DATA_TOO_LONG',
  'ER_TRUNCATED_WRONG_VALUE',
  'ER_TRUNCATED_WRONG_VALUE_FOR_FIELD',
  'ER_WARN_DATA_OUT_OF_RANGE',
  'ER_INVALID_JSON_TEXT',
  'ER_BAD_NULL_ERROR',
]);

/** Whether `err` says the data itself cannot be stored (a RangeError is a date we cannot format). */
export function isDataError(err: unknown): err is Error {
  const code = (err as { code?: string } | null)?.code;
  return err instanceof RangeError || (err instanceof Error && !!code && DATA_ERRORS.has(code));
}

/**
 * mysql2 errors carry the full statement with its values (customer names,
 * addresses); activity failures are logged and stored in workflow history, so
 * only the code and message travel on.
 */
export function withoutSql(err: unknown): unknown {
  if (err instanceof Error && 'sql' in err) {
    const clean = new Error(err.message);
    clean.name = (err as { code?: string }).code ?? err.name;
    return clean;
  }
  return err;
}

/** A write of plan step `index` failed; carries the cause out of the transaction. */
class StepWriteError extends Error {
  constructor(
    readonly index: number,
    override readonly cause: unknown,
  ) {
    super('step write failed');
  }
}

type SnapshotWrite = Extract<PlannedWrite, { kind: 'snapshot' }>;
type InvoiceWrite = Extract<PlannedWrite, { kind: 'invoice' }>;

/**
 * The orders columns a snapshot write sets, channel to attributes, in the
 * statements' order. Contract version 2's columns come last, NULL when the
 * message has no such field (as every version-1 message).
 */
function snapshotValues(w: SnapshotWrite): unknown[] {
  const e = w.event;
  const d = e.data;
  return [
    e.channel,
    d.status,
    JSON.stringify(d.customer),
    JSON.stringify(d.shippingAddress),
    JSON.stringify(d.lines),
    d.currency,
    d.total,
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

const INSERT_INVOICES = `INSERT INTO invoices (invoice_id, order_id, number, amount, tax, currency, issued_at,
         kind, against_invoice_id, \`lines\`)
       VALUES ?`;
const INVOICE_TOUCHES_ORDER =
  'UPDATE orders SET erp_version = ?, last_event_type = ?, updated_at = ? WHERE order_id = ?';
/** The columns of snapshotValues, in its order. */
const ORDER_COLUMNS = `channel, status, customer, shipping_address, \`lines\`, currency, total,
         erp_version, snapshot_version, last_event_type, updated_at, tax_total, shipping_total,
         discount_total, rounding_adjustment, erp_status, billing_address, attributes`;
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

/** One plan step's writes on their own (used to find which event MySQL refuses). */
async function writeStep(conn: PoolConnection, orderId: string, w: PlannedWrite): Promise<void> {
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
}

/** One SQL statement and its values, to be sent alone or with others in one round trip. */
interface Statement {
  sql: string;
  params: unknown[];
}

/**
 * Sends `statements` in one round trip (the apply's pool allows several
 * statements per query; every value is still a `?` parameter that mysql2
 * escapes) and returns the last one's result. MySQL stops at the first
 * statement that fails.
 */
async function send(conn: PoolConnection, statements: Statement[]): Promise<unknown> {
  const [results] = await conn.query(
    statements.map((st) => st.sql).join(';\n'),
    statements.flatMap((st) => st.params),
  );
  return statements.length > 1 ? (results as unknown[]).at(-1) : results;
}

/**
 * A whole plan's writes in at most two statements, with the same end state as
 * writing the steps one by one: every snapshot is a row of one multi-row
 * upsert (so MySQL checks each one's data), in plan order. Invoices after the
 * last snapshot move erp_version, last_event_type and updated_at: a final row
 * repeats that snapshot with their values (or, with no snapshot in the batch,
 * one UPDATE does). Then every invoice in one multi-row insert.
 */
function batchedWrites(orderId: string, writes: PlannedWrite[]): Statement[] {
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

/** The ledger rows of a plan's recorded steps, in one multi-row insert; null when none. */
function ledgerInsert(orderId: string, plan: ApplyPlan): Statement | null {
  const recorded = plan.steps.filter((s) => s.record);
  if (recorded.length === 0) return null;
  const now = toSqlDateTime(new Date().toISOString());
  // Rows get consecutive seq values in apply order. A row that replaces an
  // earlier stale one keeps its seq (the plan never records over another
  // order's row or a non-stale one).
  return {
    sql: `INSERT INTO applied_events (event_id, order_id, type, erp_version, outcome, reason, applied_at)
       VALUES ?
       ON DUPLICATE KEY UPDATE outcome = VALUES(outcome), reason = VALUES(reason),
         applied_at = VALUES(applied_at)`,
    params: [
      recorded.map(({ event, outcome }) => [
        event.eventId,
        orderId,
        event.type,
        event.erpVersion,
        outcome.outcome,
        outcome.outcome === 'skipped' ? outcome.reason : null,
        now,
      ]),
    ],
  };
}

/** A batched write failed; the steps are written one by one to find the event at fault. */
class BatchWriteError extends Error {
  constructor(override readonly cause: unknown) {
    super('batched write failed');
  }
}

export interface ApplyHooks {
  /** Runs inside the transaction after the reads, before any write (tests hold an apply here). */
  afterReads?: (orderId: string) => Promise<void>;
}

export interface ApplyDeps {
  pool: Pool;
  hooks?: ApplyHooks;
  /** `ORDERSYNC_TOTAL_RULE`; default `strict`. */
  totalRule?: TotalRule;
}

/**
 * Options of the apply's own pool. A transaction goes to MySQL in two round
 * trips (begin, lock and read; the writes, the ledger and commit), each of
 * several statements; every value is still a `?` parameter that mysql2 escapes.
 * No stack is captured per statement (mysql2's `trace`): it cost the worker
 * about 2% of its main thread, and apply errors travel on as code and message
 * only (withoutSql), never with a stack.
 */
export const APPLY_POOL_OPTIONS = { multipleStatements: true, trace: false } as const;

/** Fails fast when `pool` is a mysql2 pool that sends one statement per query. */
function requireMultipleStatements(pool: Pool): void {
  const config = (pool as { pool?: { config?: { connectionConfig?: object } } }).pool?.config
    ?.connectionConfig as { multipleStatements?: boolean } | undefined;
  if (config && !config.multipleStatements)
    throw new Error(
      'applyOrderEvents needs a pool created with multipleStatements: true (APPLY_POOL_OPTIONS)',
    );
}

export function createApplyActivities({ pool, hooks, totalRule }: ApplyDeps) {
  requireMultipleStatements(pool);
  /**
   * Begins the transaction, takes the order's lock, then reads its row, the
   * batch's ledger rows and the invoices that matter: one round trip. The lock
   * row exists (or is created, and so locked) before the order row does, so
   * two overlapping first applies of a new order wait for each other; every
   * apply takes it first, so the read needs no lock of its own.
   */
  async function beginAndRead(conn: PoolConnection, input: ApplyInput): Promise<PlanInput> {
    const { orderId, events } = input;
    const ids = events.map((e) => e.eventId);
    const batchInvoices = events.flatMap((e) =>
      e.type === 'invoice_creation' ? [e.data.invoiceId] : [],
    );
    // One result set from three tables; every text column in one collation so the UNION is legal.
    const parts = [
      `SELECT 'order' AS k, erp_version AS n1, snapshot_version AS n2,
         last_event_type COLLATE utf8mb4_bin AS s1, currency COLLATE utf8mb4_bin AS s2,
         NULL AS s3, NULL AS s4
       FROM orders WHERE order_id = ?`,
      `SELECT 'invoice', NULL, NULL, invoice_id, order_id, NULL, NULL
       FROM invoices WHERE ${batchInvoices.length > 0 ? 'order_id = ? OR invoice_id IN (?)' : 'order_id = ?'}`,
    ];
    const params: unknown[] = [orderId, orderId];
    if (batchInvoices.length > 0) params.push(batchInvoices);
    if (ids.length > 0) {
      parts.push(
        `SELECT 'ledger', NULL, NULL, event_id, order_id, outcome COLLATE utf8mb4_bin,
           reason COLLATE utf8mb4_bin
         FROM applied_events WHERE event_id IN (?)`,
      );
      params.push(ids);
    }
    const found = (await send(conn, [
      { sql: 'START TRANSACTION', params: [] },
      {
        sql: 'INSERT INTO order_locks (order_id) VALUES (?) ON DUPLICATE KEY UPDATE order_id = order_id',
        params: [orderId],
      },
      { sql: parts.join(' UNION ALL '), params },
    ])) as StateRow[];
    let row: StateRow | undefined;
    const ledger = new Map<string, LedgerRow>();
    const invoices = new Map<string, string>();
    for (const r of found) {
      if (r.k === 'order') row = r;
      else if (r.k === 'invoice') invoices.set(String(r.s1), String(r.s2));
      else
        ledger.set(String(r.s1), {
          orderId: String(r.s2),
          stale: r.s3 === 'skipped' && r.s4 === 'stale',
        });
    }
    return {
      orderId,
      events,
      supersede: input.supersede,
      ledger,
      invoices,
      order: row
        ? {
            erpVersion: Number(row.n1),
            snapshotVersion: Number(row.n2),
            lastEventType: row.s1 as EventType,
            currency: String(row.s2),
          }
        : null,
    };
  }

  /**
   * One transaction: lock and read, plan (or the given plan cut), write,
   * record, commit. Batched, that is two round trips: begin, lock and read;
   * every write, the ledger rows and the commit. Step by step, each plan step
   * writes on its own, so a refused write names its event.
   */
  async function attempt(
    input: ApplyInput,
    how: { batched: boolean; cut?: { index: number; error: string } },
  ): Promise<ApplyPlan> {
    const conn = await pool.getConnection();
    try {
      await readCommitted(conn);
      const state = await beginAndRead(conn, input);
      await hooks?.afterReads?.(input.orderId);
      let plan = planApply({ ...state, totalRule });
      if (how.cut) plan = rejectAt(plan, how.cut.index, how.cut.error);
      const ledger = ledgerInsert(input.orderId, plan);
      if (how.batched) {
        const writes = plan.steps.flatMap((step) => (step.write ? [step.write] : []));
        // The ledger insert and COMMIT go with the writes; MySQL runs none of the
        // statements after one that fails, so a refused write commits nothing and
        // the rollback below ends the transaction. Should the ledger be what MySQL
        // refuses, the step-by-step attempt sends it alone and its error is thrown
        // (and retried) as before. Building the statements is inside the try too:
        // a date we cannot format is bad data.
        let statements: Statement[];
        try {
          statements = batchedWrites(input.orderId, writes);
        } catch (err) {
          throw new BatchWriteError(err);
        }
        if (ledger) statements.push(ledger);
        statements.push({ sql: 'COMMIT', params: [] });
        faultPoint('worker-in-apply-tx');
        try {
          await send(conn, statements);
        } catch (err) {
          throw new BatchWriteError(err);
        }
        faultPoint('worker-after-apply-commit');
        return plan;
      }
      for (const [index, step] of plan.steps.entries()) {
        if (!step.write) continue;
        try {
          await writeStep(conn, input.orderId, step.write);
        } catch (err) {
          throw new StepWriteError(index, err);
        }
      }
      if (ledger) await send(conn, [ledger]);
      faultPoint('worker-in-apply-tx');
      await conn.commit();
      faultPoint('worker-after-apply-commit');
      return plan;
    } catch (err) {
      await conn.rollback().catch(() => undefined);
      throw err;
    } finally {
      conn.release();
    }
  }

  /**
   * Applies a batch of one order's events in one transaction, in the given
   * order, as `planApply` decides. Idempotent: the `applied_events` ledger turns
   * a retried attempt into "skipped: duplicate". Bad data comes back as a
   * `rejected` outcome, never as a thrown error: when MySQL refuses to store an
   * event, the transaction is rolled back and run again up to that event, which
   * is then rejected. Anything thrown is transient and retried.
   */
  async function applyOrderEvents(input: ApplyInput): Promise<ApplyResult> {
    try {
      let plan: ApplyPlan;
      try {
        plan = await attempt(input, { batched: true });
      } catch (err) {
        if (!(err instanceof BatchWriteError) || !isDataError(err.cause)) throw err;
        // MySQL refused some event's data: write step by step to learn which one.
        try {
          plan = await attempt(input, { batched: false });
        } catch (stepErr) {
          if (!(stepErr instanceof StepWriteError) || !isDataError(stepErr.cause)) throw stepErr;
          const { code } = stepErr.cause as { code?: string };
          plan = await attempt(input, {
            batched: false,
            cut: {
              index: stepErr.index,
              error: `data cannot be stored (${code ?? stepErr.cause.name}): ${withoutQuotedValues(stepErr.cause.message)}`,
            },
          });
        }
      }
      return { outcomes: plan.steps.map((s) => s.outcome), order: plan.order };
    } catch (err) {
      throw withoutSql(
        err instanceof StepWriteError || err instanceof BatchWriteError ? err.cause : err,
      );
    }
  }

  return { applyOrderEvents };
}

/**
 * A MySQL error message with its quoted values cut out: messages such as
 * "Incorrect string value: '…' for column 'customer'" quote the rejected data,
 * and this text becomes the order's block reason, which is logged and shown.
 * The column name (after "for column") is kept; every other literal goes.
 */
export function withoutQuotedValues(message: string): string {
  return message.replace(/(for (?:column|key) )?'(?:[^'\\]|\\.)*'/g, (m, keep?: string) =>
    keep ? m : "'…'",
  );
}
