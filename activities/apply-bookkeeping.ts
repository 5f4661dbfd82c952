/**
 * ordersync's bookkeeping inside the apply's transaction: the order's lock,
 * the ledger (`ordersync_applied_events`), the per-order sync state
 * (`ordersync_order_state`) and invoice ownership (`ordersync_invoice_owners`).
 * The target's own tables never hold any of it.
 */
import type { PoolConnection, RowDataPacket } from 'mysql2/promise';
import type { ApplyPlan, CurrentOrder, LedgerRow, PlanInput } from '../src/contracts/apply-plan';
import type { EventType } from '../src/contracts/events';
import type { ApplyInput } from '../src/contracts/workflow-types';
import { toSqlDateTime } from '../src/db/time';
import type { Target } from '../src/target/port';
import type { Statement } from '../src/target/statement';
import { send } from '../src/target/statement';

/** A row of the read's one statement: k says which table it came from. */
interface StateRow extends RowDataPacket {
  k: 'state' | 'applied' | 'invoice' | 'ledger';
  n1: number | string | null;
  n2: number | string | null;
  s1: string | null;
  s2: string | null;
  s3: string | null;
  s4: string | null;
}

/** The apply's view of the bookkeeping, read under the order's lock. */
export interface BookkeepingState extends PlanInput {
  /** Whether the order had a sync-state row (false for a new order, or one only old workers wrote). */
  hasStateRow: boolean;
}

/**
 * Begins the transaction, takes the order's lock, then reads its sync state,
 * the newest snapshot and event versions the ledger holds as applied, the
 * batch's ledger rows and the owners of the batch's invoice ids: one round
 * trip. The lock row exists (or is created, and so locked) before anything
 * else of the order does, so two overlapping first applies of a new order wait
 * for each other; every apply takes it first, so the read needs no lock of its own.
 *
 * The guard is the higher of the state's snapshot version and the ledger's
 * newest applied snapshot: a state row that says 0 (or is missing) while the
 * ledger holds applied snapshots, as rows written by an older release can, is
 * never taken for "nothing applied".
 */
export async function lockAndRead(
  conn: PoolConnection,
  target: Target,
  input: ApplyInput,
): Promise<BookkeepingState> {
  const { orderId, events } = input;
  const ids = events.map((e) => e.eventId);
  // A credit note's corrected invoice too: it may not be another order's.
  const batchInvoices = events.flatMap((e) =>
    e.type !== 'invoice_creation'
      ? []
      : [e.data.invoiceId, ...(e.data.againstInvoiceId ? [e.data.againstInvoiceId] : [])],
  );
  const parts = [
    `SELECT 'state' AS k, snapshot_version AS n1, erp_version AS n2, last_event_type AS s1,
       currency AS s2, state AS s3, NULL AS s4
     FROM ordersync_order_state WHERE order_id = ?`,
    `SELECT 'applied', MAX(IF(type = 'invoice_creation', 0, erp_version)), MAX(erp_version),
       NULL, NULL, NULL, NULL
     FROM ordersync_applied_events WHERE order_id = ? AND outcome = 'applied'`,
  ];
  const params: unknown[] = [orderId, orderId];
  if (batchInvoices.length > 0) {
    parts.push(
      `SELECT 'invoice', NULL, NULL, invoice_id, order_id, NULL, NULL
       FROM ordersync_invoice_owners WHERE invoice_id IN (?)`,
    );
    params.push(batchInvoices);
  }
  if (ids.length > 0) {
    // Every text column in one collation, so the UNION is legal.
    parts.push(
      `SELECT 'ledger', NULL, NULL, event_id, order_id, outcome COLLATE utf8mb4_bin,
         reason COLLATE utf8mb4_bin
       FROM ordersync_applied_events WHERE event_id IN (?)`,
    );
    params.push(ids);
  }
  const found = (await send(conn, [
    { sql: 'START TRANSACTION', params: [] },
    {
      sql: 'INSERT INTO ordersync_order_locks (order_id) VALUES (?) ON DUPLICATE KEY UPDATE order_id = order_id',
      params: [orderId],
    },
    { sql: parts.join(' UNION ALL '), params },
  ])) as StateRow[];
  let state: StateRow | undefined;
  let appliedSnapshot = 0;
  let appliedAny = 0;
  const ledger = new Map<string, LedgerRow>();
  const invoices = new Map<string, string>();
  for (const r of found) {
    if (r.k === 'state') state = r;
    else if (r.k === 'applied') {
      appliedSnapshot = Number(r.n1 ?? 0);
      appliedAny = Number(r.n2 ?? 0);
    } else if (r.k === 'invoice') invoices.set(String(r.s1), String(r.s2));
    else
      ledger.set(String(r.s1), {
        orderId: String(r.s2),
        stale: r.s3 === 'skipped' && r.s4 === 'stale',
      });
  }
  let order: CurrentOrder | null = null;
  let invoiced = false;
  if (state) {
    order = {
      erpVersion: Math.max(Number(state.n2), appliedAny),
      snapshotVersion: Math.max(Number(state.n1), appliedSnapshot),
      lastEventType: state.s1 as EventType,
      currency: String(state.s2),
    };
    invoiced = state.s3 === 'invoiced';
  } else if (appliedSnapshot > 0) {
    // Applied by a worker of the release before the bookkeeping tables (a
    // rolling upgrade): the target's own row has what the state row would.
    const legacy = await target.legacyState(conn, orderId);
    if (!legacy)
      throw new Error(
        `order ${orderId} has applied snapshots in the ledger but no sync state; run \`ordersync migrate\` (013)`,
      );
    order = {
      erpVersion: Math.max(legacy.erpVersion, appliedAny),
      snapshotVersion: Math.max(legacy.snapshotVersion, appliedSnapshot),
      lastEventType: legacy.lastEventType,
      currency: legacy.currency,
    };
    invoiced = legacy.invoiced;
  }
  return {
    orderId,
    events,
    supersede: input.supersede,
    ledger,
    invoices,
    invoiced,
    order,
    hasStateRow: state !== undefined,
  };
}

/**
 * The bookkeeping writes of a plan, to be sent with the business writes and
 * COMMIT. Ledger rows are plain inserts: a row for the same event id that
 * appeared since the read (another order applying the same id at the same
 * time) fails the insert with a duplicate key, the transaction commits
 * nothing, and the next attempt reads that row and rejects the event, which
 * blocks the second order. Only this order's own `stale` rows, which the plan
 * read under the lock, are updated in place. Invoice ids are claimed the same way.
 */
export function bookkeepingWrites(state: BookkeepingState, plan: ApplyPlan): Statement[] {
  const { orderId } = state;
  const statements: Statement[] = [];
  const now = toSqlDateTime(new Date().toISOString());
  const recorded = plan.steps.filter((s) => s.record);
  const replacesStale = (eventId: string) => {
    const row = state.ledger.get(eventId);
    return row?.stale === true && row.orderId === orderId;
  };
  const fresh = recorded.filter((s) => !replacesStale(s.event.eventId));
  // Rows get consecutive seq values in apply order; a replaced stale row keeps its seq.
  if (fresh.length > 0)
    statements.push({
      sql: `INSERT INTO ordersync_applied_events
              (event_id, order_id, type, erp_version, outcome, reason, applied_at)
            VALUES ?`,
      params: [
        fresh.map(({ event, outcome }) => [
          event.eventId,
          orderId,
          event.type,
          event.erpVersion,
          outcome.outcome,
          outcome.outcome === 'skipped' ? outcome.reason : null,
          now,
        ]),
      ],
    });
  for (const { event, outcome } of recorded.filter((s) => replacesStale(s.event.eventId)))
    statements.push({
      sql: `UPDATE ordersync_applied_events SET outcome = ?, reason = ?, applied_at = ?
             WHERE event_id = ? AND order_id = ? AND outcome = 'skipped' AND reason = 'stale'`,
      params: [
        outcome.outcome,
        outcome.outcome === 'skipped' ? outcome.reason : null,
        now,
        event.eventId,
        orderId,
      ],
    });
  const writes = plan.steps.flatMap((s) => (s.write ? [s.write] : []));
  const invoiceIds = writes.flatMap((w) => (w.kind === 'invoice' ? [w.event.data.invoiceId] : []));
  if (invoiceIds.length > 0)
    statements.push({
      sql: 'INSERT INTO ordersync_invoice_owners (invoice_id, order_id) VALUES ?',
      params: [invoiceIds.map((id) => [id, orderId])],
    });
  if (writes.length > 0 && plan.order.exists) {
    const lastSnapshot = writes.filter((w) => w.kind === 'snapshot').at(-1);
    const currency = lastSnapshot ? lastSnapshot.event.data.currency : state.order?.currency;
    statements.push({
      sql: `INSERT INTO ordersync_order_state
              (order_id, snapshot_version, erp_version, last_event_type, currency, state, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON DUPLICATE KEY UPDATE snapshot_version = VALUES(snapshot_version),
              erp_version = VALUES(erp_version), last_event_type = VALUES(last_event_type),
              currency = VALUES(currency), state = VALUES(state), updated_at = VALUES(updated_at)`,
      params: [
        orderId,
        plan.order.snapshotVersion ?? 0,
        plan.order.erpVersion,
        plan.order.lastEventType,
        currency,
        plan.order.invoiced ? 'invoiced' : 'created',
        now,
      ],
    });
  }
  return statements;
}
