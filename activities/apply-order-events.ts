import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';
import { faultPoint } from '../src/chaos-hooks';
import type { Invoice, OrderEvent, OrderSnapshot } from '../src/contracts/events';
import { InvalidOrderDataError, OrderMismatchError } from '../src/contracts/errors';
import type {
  ApplyInput,
  ApplyResult,
  EventOutcome,
  SkipReason,
  TargetOrderState,
} from '../src/contracts/workflow-types';
import { toSqlDateTime } from '../src/db/time';

interface OrderRow extends RowDataPacket {
  erp_version: number;
  last_event_type: string;
  currency: string;
}

interface LedgerEntry {
  event: OrderEvent;
  outcome: 'applied' | 'skipped';
  reason: SkipReason | null;
}

const cents = (amount: string): number => Math.round(Number(amount) * 100);

/** Business rules the schema cannot express; a breach is bad data, not a transient fault. */
function checkSnapshot(e: OrderEvent & { data: OrderSnapshot }): void {
  const sum = e.data.lines.reduce((acc, l) => acc + l.qty * cents(l.unitPrice), 0);
  if (sum !== cents(e.data.total)) {
    throw new InvalidOrderDataError(
      `order ${e.orderId} v${e.erpVersion}: total ${e.data.total} is not the sum of its lines ${(sum / 100).toFixed(2)}`,
      e.eventId,
    );
  }
}

function checkInvoice(e: OrderEvent & { data: Invoice }, orderCurrency: string): void {
  if (e.data.currency !== orderCurrency) {
    throw new InvalidOrderDataError(
      `invoice ${e.data.invoiceId}: currency ${e.data.currency} differs from order currency ${orderCurrency}`,
      e.eventId,
    );
  }
  if (cents(e.data.tax) > cents(e.data.amount)) {
    throw new InvalidOrderDataError(`invoice ${e.data.invoiceId}: tax exceeds amount`, e.eventId);
  }
}

/** Checks only what can be checked before knowing whether the event is a duplicate or stale. */
function checkEvent(e: OrderEvent, orderCurrency: string | null): void {
  if (e.type === 'invoice_creation') {
    if (orderCurrency !== null) checkInvoice(e, orderCurrency);
  } else {
    checkSnapshot(e);
  }
}

async function writeSnapshot(
  conn: PoolConnection,
  e: OrderEvent & { data: OrderSnapshot },
  exists: boolean,
): Promise<void> {
  const d = e.data;
  const at = toSqlDateTime(e.occurredAt);
  const values = [
    e.channel,
    d.status,
    JSON.stringify(d.customer),
    JSON.stringify(d.shippingAddress),
    JSON.stringify(d.lines),
    d.currency,
    d.total,
    e.erpVersion,
    e.type,
    at,
  ];
  if (exists) {
    await conn.query(
      `UPDATE orders SET channel = ?, status = ?, customer = ?, shipping_address = ?, \`lines\` = ?,
         currency = ?, total = ?, erp_version = ?, last_event_type = ?, updated_at = ?
       WHERE order_id = ?`,
      [...values, e.orderId],
    );
  } else {
    // Upsert semantics: an update for an order the target lacks creates it from the snapshot.
    await conn.query(
      `INSERT INTO orders (channel, status, customer, shipping_address, \`lines\`, currency, total,
         erp_version, last_event_type, updated_at, created_at, order_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [...values, at, e.orderId],
    );
  }
}

/**
 * mysql2 errors carry the full statement with its values (customer names,
 * addresses); activity failures are logged and stored in workflow history, so
 * only the code and message travel on.
 */
/** MySQL errors that mean the data cannot be stored; retrying them would loop forever. */
const DATA_ERRORS = new Set([
  'ER_DUP_ENTRY',
  'ER_DATA_TOO_LONG',
  'ER_TRUNCATED_WRONG_VALUE',
  'ER_TRUNCATED_WRONG_VALUE_FOR_FIELD',
  'ER_WARN_DATA_OUT_OF_RANGE',
  'ER_INVALID_JSON_TEXT',
  'ER_BAD_NULL_ERROR',
]);

function withoutSql(err: unknown, eventIds: string): unknown {
  const code = (err as { code?: string } | null)?.code;
  if (err instanceof Error && (err instanceof RangeError || (code && DATA_ERRORS.has(code)))) {
    return new InvalidOrderDataError(
      `data cannot be stored (${code ?? err.name}): ${err.message}`,
      eventIds,
    );
  }
  if (err instanceof Error && 'sql' in err) {
    const clean = new Error(err.message);
    clean.name = (err as { code?: string }).code ?? err.name;
    return clean;
  }
  return err;
}

export interface ApplyDeps {
  pool: Pool;
}

export function createApplyActivities({ pool }: ApplyDeps) {
  /**
   * Applies a batch of one order's events in one transaction, in the given
   * order. Idempotent: the `applied_events` ledger turns a retried attempt
   * into "skipped: duplicate", and the order row's erp_version refuses to go
   * backwards ("skipped: stale").
   */
  async function applyOrderEvents(input: ApplyInput): Promise<ApplyResult> {
    const { orderId, events } = input;
    const supersede = new Set(input.supersede ?? []);
    const conn = await pool.getConnection();
    try {
      // READ COMMITTED: a locking read of a not-yet-existing order takes no gap
      // lock, so two new orders' applies cannot deadlock on the same index gap.
      // Per-order exclusion comes from the workflow and the row lock below.
      await conn.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
      await conn.beginTransaction();
      const [orderRows] = await conn.query<OrderRow[]>(
        'SELECT erp_version, last_event_type, currency FROM orders WHERE order_id = ? FOR UPDATE',
        [orderId],
      );
      let order = orderRows[0]
        ? {
            erpVersion: Number(orderRows[0].erp_version),
            lastEventType: orderRows[0].last_event_type,
            currency: orderRows[0].currency,
          }
        : null;
      const ids = events.map((e) => e.eventId);
      const done = new Set<string>();
      // An event id the ledger holds for another order is a producer bug, not a duplicate.
      const foreign = new Map<string, string>();
      if (ids.length > 0) {
        const [ledger] = await conn.query<RowDataPacket[]>(
          'SELECT event_id, order_id FROM applied_events WHERE event_id IN (?)',
          [ids],
        );
        for (const r of ledger) {
          if (String(r.order_id) === orderId) done.add(String(r.event_id));
          else foreign.set(String(r.event_id), String(r.order_id));
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
      const invoiceIds = new Set(
        inv.filter((r) => String(r.order_id) === orderId).map((r) => String(r.invoice_id)),
      );
      const otherOrdersInvoices = new Map(
        inv
          .filter((r) => String(r.order_id) !== orderId)
          .map((r) => [String(r.invoice_id), String(r.order_id)]),
      );

      const outcomes: EventOutcome[] = [];
      const ledger: LedgerEntry[] = [];
      const skip = (event: OrderEvent, reason: SkipReason, record: boolean) => {
        outcomes.push({ eventId: event.eventId, outcome: 'skipped', reason });
        if (record) ledger.push({ event, outcome: 'skipped', reason });
        done.add(event.eventId);
      };

      for (const e of events) {
        if (e.orderId !== orderId) {
          throw new OrderMismatchError(
            `event ${e.eventId} belongs to ${e.orderId}, not ${orderId}`,
            e.eventId,
          );
        }
        if (done.has(e.eventId)) {
          skip(e, 'duplicate', false);
          continue;
        }
        if (supersede.has(e.eventId)) {
          skip(e, 'superseded', true);
          continue;
        }
        if (e.type === 'invoice_creation' && !order) {
          outcomes.push({ eventId: e.eventId, outcome: 'deferred' });
          continue;
        }
        // The version guard protects the order snapshot. An invoice is its own
        // record: it is a duplicate only if its id exists, so one that arrives
        // after a newer snapshot is still recorded rather than lost.
        if (e.type !== 'invoice_creation' && order && order.erpVersion >= e.erpVersion) {
          skip(e, 'stale', true);
          continue;
        }
        if (e.type === 'invoice_creation' && invoiceIds.has(e.data.invoiceId)) {
          skip(e, 'duplicate', true);
          continue;
        }
        try {
          const owner =
            foreign.get(e.eventId) ??
            (e.type === 'invoice_creation' ? otherOrdersInvoices.get(e.data.invoiceId) : undefined);
          if (owner !== undefined) {
            throw new InvalidOrderDataError(
              `event ${e.eventId} reuses an id that belongs to order ${owner}`,
              e.eventId,
            );
          }
          checkEvent(e, order?.currency ?? null);
        } catch (err) {
          if (!(err instanceof InvalidOrderDataError)) throw err;
          // Keep what came before in this batch; stop at the bad event.
          outcomes.push({ eventId: e.eventId, outcome: 'rejected', error: err.message });
          break;
        }
        if (e.type === 'invoice_creation') {
          await conn.query(
            `INSERT INTO invoices (invoice_id, order_id, number, amount, tax, currency, issued_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)`,
            [
              e.data.invoiceId,
              orderId,
              e.data.number,
              e.data.amount,
              e.data.tax,
              e.data.currency,
              toSqlDateTime(e.data.issuedAt),
            ],
          );
          invoiceIds.add(e.data.invoiceId);
          if (e.erpVersion > order!.erpVersion) {
            await conn.query(
              'UPDATE orders SET erp_version = ?, last_event_type = ?, updated_at = ? WHERE order_id = ?',
              [e.erpVersion, e.type, toSqlDateTime(e.occurredAt), orderId],
            );
            order = { ...order!, erpVersion: e.erpVersion, lastEventType: e.type };
          }
        } else {
          await writeSnapshot(conn, e, order !== null);
          order = { erpVersion: e.erpVersion, lastEventType: e.type, currency: e.data.currency };
        }
        outcomes.push({ eventId: e.eventId, outcome: 'applied' });
        ledger.push({ event: e, outcome: 'applied', reason: null });
        done.add(e.eventId);
      }

      if (ledger.length > 0) {
        // One multi-row insert: rows get consecutive seq values in apply order.
        await conn.query(
          `INSERT INTO applied_events (event_id, order_id, type, erp_version, outcome, reason, applied_at)
           VALUES ?`,
          [
            ledger.map((l) => [
              l.event.eventId,
              orderId,
              l.event.type,
              l.event.erpVersion,
              l.outcome,
              l.reason,
              toSqlDateTime(new Date().toISOString()),
            ]),
          ],
        );
      }
      faultPoint('worker-in-apply-tx');
      await conn.commit();
      const target: TargetOrderState = {
        exists: order !== null,
        erpVersion: order?.erpVersion ?? 0,
        lastEventType: (order?.lastEventType as TargetOrderState['lastEventType']) ?? null,
        invoiced: invoiceIds.size > 0,
      };
      return { outcomes, order: target };
    } catch (err) {
      await conn.rollback().catch(() => undefined);
      throw withoutSql(err, events.map((e) => e.eventId).join(','));
    } finally {
      conn.release();
    }
  }

  return { applyOrderEvents };
}
