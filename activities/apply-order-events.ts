import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';
import { faultPoint } from '../src/chaos-hooks';
import { planApply, rejectAt } from '../src/contracts/apply-plan';
import type { ApplyPlan, LedgerRow, PlanInput, PlannedWrite } from '../src/contracts/apply-plan';
import type { EventType } from '../src/contracts/events';
import type { ApplyInput, ApplyResult } from '../src/contracts/workflow-types';
import { toSqlDateTime } from '../src/db/time';

interface OrderRow extends RowDataPacket {
  erp_version: number;
  snapshot_version: number;
  last_event_type: string;
  currency: string;
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

async function writeStep(conn: PoolConnection, orderId: string, w: PlannedWrite): Promise<void> {
  const e = w.event;
  const at = toSqlDateTime(e.occurredAt);
  if (w.kind === 'invoice') {
    const d = w.event.data;
    await conn.query(
      `INSERT INTO invoices (invoice_id, order_id, number, amount, tax, currency, issued_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [d.invoiceId, orderId, d.number, d.amount, d.tax, d.currency, toSqlDateTime(d.issuedAt)],
    );
    await conn.query(
      'UPDATE orders SET erp_version = ?, last_event_type = ?, updated_at = ? WHERE order_id = ?',
      [w.erpVersion, w.lastEventType, at, orderId],
    );
    return;
  }
  const d = w.event.data;
  const values = [
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
    at,
  ];
  if (w.insert) {
    // Upsert semantics: an update for an order the target lacks creates it from the snapshot.
    await conn.query(
      `INSERT INTO orders (channel, status, customer, shipping_address, \`lines\`, currency, total,
         erp_version, snapshot_version, last_event_type, updated_at, created_at, order_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [...values, at, orderId],
    );
  } else {
    await conn.query(
      `UPDATE orders SET channel = ?, status = ?, customer = ?, shipping_address = ?, \`lines\` = ?,
         currency = ?, total = ?, erp_version = ?, snapshot_version = ?, last_event_type = ?,
         updated_at = ?
       WHERE order_id = ?`,
      [...values, orderId],
    );
  }
}

export interface ApplyHooks {
  /** Runs inside the transaction after the reads, before any write (tests hold an apply here). */
  afterReads?: (orderId: string) => Promise<void>;
}

export interface ApplyDeps {
  pool: Pool;
  hooks?: ApplyHooks;
}

export function createApplyActivities({ pool, hooks }: ApplyDeps) {
  /** Reads the order's row, ledger and invoices inside the transaction, after taking the order's lock. */
  async function readState(conn: PoolConnection, input: ApplyInput): Promise<PlanInput> {
    const { orderId, events } = input;
    // The lock row exists (or is created, and so locked) before the order row
    // does, so two overlapping first applies of a new order wait for each other.
    await conn.query(
      'INSERT INTO order_locks (order_id) VALUES (?) ON DUPLICATE KEY UPDATE order_id = order_id',
      [orderId],
    );
    const [orderRows] = await conn.query<OrderRow[]>(
      `SELECT erp_version, snapshot_version, last_event_type, currency
         FROM orders WHERE order_id = ? FOR UPDATE`,
      [orderId],
    );
    const row = orderRows[0];
    const ids = events.map((e) => e.eventId);
    const ledger = new Map<string, LedgerRow>();
    if (ids.length > 0) {
      const [rows] = await conn.query<RowDataPacket[]>(
        'SELECT event_id, order_id, outcome, reason FROM applied_events WHERE event_id IN (?)',
        [ids],
      );
      for (const r of rows) {
        ledger.set(String(r.event_id), {
          orderId: String(r.order_id),
          stale: r.outcome === 'skipped' && r.reason === 'stale',
        });
      }
    }
    const batchInvoices = events.flatMap((e) =>
      e.type === 'invoice_creation' ? [e.data.invoiceId] : [],
    );
    const [inv] = await conn.query<RowDataPacket[]>(
      batchInvoices.length > 0
        ? 'SELECT invoice_id, order_id FROM invoices WHERE order_id = ? OR invoice_id IN (?)'
        : 'SELECT invoice_id, order_id FROM invoices WHERE order_id = ?',
      batchInvoices.length > 0 ? [orderId, batchInvoices] : [orderId],
    );
    const invoices = new Map(inv.map((r) => [String(r.invoice_id), String(r.order_id)]));
    return {
      orderId,
      events,
      supersede: input.supersede,
      ledger,
      invoices,
      order: row
        ? {
            erpVersion: Number(row.erp_version),
            snapshotVersion: Number(row.snapshot_version),
            lastEventType: row.last_event_type as EventType,
            currency: row.currency,
          }
        : null,
    };
  }

  /** One transaction: lock, read, plan (or the given plan cut), write, commit. */
  async function attempt(
    input: ApplyInput,
    cut?: { index: number; error: string },
  ): Promise<ApplyPlan> {
    const conn = await pool.getConnection();
    try {
      // READ COMMITTED: a locking read of a not-yet-existing order takes no gap
      // lock, so two new orders' applies cannot deadlock on the same index gap.
      await conn.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
      await conn.beginTransaction();
      const state = await readState(conn, input);
      await hooks?.afterReads?.(input.orderId);
      let plan = planApply(state);
      if (cut) plan = rejectAt(plan, cut.index, cut.error);
      for (const [index, step] of plan.steps.entries()) {
        if (!step.write) continue;
        try {
          await writeStep(conn, input.orderId, step.write);
        } catch (err) {
          throw new StepWriteError(index, err);
        }
      }
      const recorded = plan.steps.filter((s) => s.record);
      if (recorded.length > 0) {
        const now = toSqlDateTime(new Date().toISOString());
        // One multi-row insert: rows get consecutive seq values in apply order. A
        // row that replaces an earlier stale one keeps its seq (the plan never
        // records over another order's row or a non-stale one).
        await conn.query(
          `INSERT INTO applied_events (event_id, order_id, type, erp_version, outcome, reason, applied_at)
           VALUES ?
           ON DUPLICATE KEY UPDATE outcome = VALUES(outcome), reason = VALUES(reason),
             applied_at = VALUES(applied_at)`,
          [
            recorded.map(({ event, outcome }) => [
              event.eventId,
              input.orderId,
              event.type,
              event.erpVersion,
              outcome.outcome,
              outcome.outcome === 'skipped' ? outcome.reason : null,
              now,
            ]),
          ],
        );
      }
      faultPoint('worker-in-apply-tx');
      await conn.commit();
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
        plan = await attempt(input);
      } catch (err) {
        if (!(err instanceof StepWriteError) || !isDataError(err.cause)) throw err;
        const { code } = err.cause as { code?: string };
        plan = await attempt(input, {
          index: err.index,
          error: `data cannot be stored (${code ?? err.cause.name}): ${withoutQuotedValues(err.cause.message)}`,
        });
      }
      return { outcomes: plan.steps.map((s) => s.outcome), order: plan.order };
    } catch (err) {
      throw withoutSql(err instanceof StepWriteError ? err.cause : err);
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
