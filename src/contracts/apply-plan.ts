/**
 * The apply decision, without I/O: given one order's row and ledger as MySQL
 * holds them, what happens to each event of a batch. The apply activity reads
 * the inputs, calls `planApply` and writes what it returns; the workflow tests'
 * in-memory target calls the same function, so the two cannot disagree.
 *
 * Rules:
 * - an event id the ledger holds for this order is a `duplicate` (not recorded again);
 * - an event in `supersede` is skipped as `superseded` (replay only);
 * - an invoice before its order exists is `deferred` (no ledger row);
 * - a snapshot (creation or update) is `stale` only when a snapshot of the same
 *   or a newer ERP version is already applied. An invoice never moves this
 *   guard, so an update that arrives after a newer invoice still lands;
 * - an invoice whose id this order already has is a `duplicate`;
 * - bad data (an id of another order, a broken business rule such as the
 *   total rule of total-rule.ts) is `rejected`:
 *   the plan stops there and keeps what came before.
 */
import { minorUnitExponent, toMinorUnits } from './currency';
import { InvalidOrderDataError } from './errors';
import type { EventType, Invoice, OrderEvent, OrderSnapshot } from './events';
import { totalRuleBreach } from './total-rule';
import type { TotalRule } from './total-rule';
import type { EventOutcome, SkipReason, TargetOrderState } from './workflow-types';

/** The order row as the apply reads it; null when the target has no row yet. */
export interface CurrentOrder {
  /** Highest ERP version of any applied event, invoices included. */
  erpVersion: number;
  /** ERP version of the snapshot the row holds: the stale guard. */
  snapshotVersion: number;
  lastEventType: EventType;
  currency: string;
}

export interface PlanInput {
  orderId: string;
  events: readonly OrderEvent[];
  supersede?: readonly string[];
  order: CurrentOrder | null;
  /** The ledger rows of the batch's event ids, by event id. */
  ledger: ReadonlyMap<string, LedgerRow>;
  /** This order's invoices and any invoice the batch names: invoice id → order id. */
  invoices: ReadonlyMap<string, string>;
  /** Whether the order has any invoice already (invoices may hold only the batch's ids). */
  invoiced?: boolean;
  /** `ORDERSYNC_TOTAL_RULE`; default `strict`. */
  totalRule?: TotalRule;
}

/** What the ledger holds for one event id. */
export interface LedgerRow {
  orderId: string;
  /**
   * Recorded as skipped/stale. Such an event is decided again rather than
   * taken as a duplicate: before the snapshot guard ignored invoices, a snapshot
   * could be wrongly skipped as stale, and a replay must be able to apply it.
   */
  stale: boolean;
}

export type SnapshotEvent = OrderEvent & { data: OrderSnapshot };
export type InvoiceEvent = OrderEvent & { data: Invoice };

/** A write the activity performs, in plan order. */
export type PlannedWrite =
  | {
      kind: 'snapshot';
      event: SnapshotEvent;
      /** No row yet: insert it. */
      insert: boolean;
      /** The row's erp_version and last_event_type after this write. */
      erpVersion: number;
      lastEventType: EventType;
    }
  | { kind: 'invoice'; event: InvoiceEvent; erpVersion: number; lastEventType: EventType };

export interface PlanStep {
  event: OrderEvent;
  outcome: EventOutcome;
  /**
   * Write a ledger row (`applied`, or skipped for a reason worth recording); it
   * replaces the event's earlier `stale` row if it has one.
   */
  record: boolean;
  write?: PlannedWrite;
  /** The order as it stands after this step. */
  after: TargetOrderState;
}

export interface ApplyPlan {
  steps: PlanStep[];
  /** The order after the last step (or as read, for an empty plan). */
  order: TargetOrderState;
  /** The order as read, before any step. */
  initial: TargetOrderState;
}

function checkSnapshot(e: SnapshotEvent, rule: TotalRule): void {
  if (rule === 'off') return;
  const expected = totalRuleBreach(e.data);
  if (expected !== null) {
    throw new InvalidOrderDataError(
      `order ${e.orderId} v${e.erpVersion}: total ${e.data.total} breaks the total rule, which gives ${expected}`,
      e.eventId,
    );
  }
}

function checkInvoice(e: InvoiceEvent, orderCurrency: string): void {
  if (e.data.currency !== orderCurrency) {
    throw new InvalidOrderDataError(
      `invoice ${e.data.invoiceId}: currency ${e.data.currency} differs from order currency ${orderCurrency}`,
      e.eventId,
    );
  }
  const exponent = minorUnitExponent(e.data.currency);
  if (toMinorUnits(e.data.tax, exponent) > toMinorUnits(e.data.amount, exponent)) {
    throw new InvalidOrderDataError(`invoice ${e.data.invoiceId}: tax exceeds amount`, e.eventId);
  }
}

const isInvoice = (e: OrderEvent): e is InvoiceEvent => e.type === 'invoice_creation';

export function targetOf(order: CurrentOrder | null, invoiced: boolean): TargetOrderState {
  return {
    exists: order !== null,
    erpVersion: order?.erpVersion ?? 0,
    snapshotVersion: order?.snapshotVersion ?? 0,
    lastEventType: order?.lastEventType ?? null,
    invoiced,
  };
}

export function planApply(input: PlanInput): ApplyPlan {
  const { orderId } = input;
  const supersede = new Set(input.supersede ?? []);
  let order = input.order;
  const invoiceOwners = new Map(input.invoices);
  let invoiced = input.invoiced ?? [...invoiceOwners.values()].some((o) => o === orderId);
  const initial = targetOf(order, invoiced);
  const handled = new Set<string>();
  for (const [eventId, row] of input.ledger) {
    if (row.orderId === orderId && !row.stale) handled.add(eventId);
  }
  // Recorded as stale before: a new ledger row would collide, so record only a change.
  const recordedStale = (e: OrderEvent) => input.ledger.get(e.eventId)?.stale === true;
  const steps: PlanStep[] = [];
  const push = (
    event: OrderEvent,
    outcome: EventOutcome,
    record: boolean,
    write?: PlannedWrite,
  ) => {
    steps.push({ event, outcome, record, write, after: targetOf(order, invoiced) });
    if (outcome.outcome !== 'deferred' && outcome.outcome !== 'rejected')
      handled.add(event.eventId);
  };
  const skip = (event: OrderEvent, reason: SkipReason, record: boolean) =>
    push(event, { eventId: event.eventId, outcome: 'skipped', reason }, record);

  for (const e of input.events) {
    if (handled.has(e.eventId)) {
      skip(e, 'duplicate', false);
      continue;
    }
    try {
      if (e.orderId !== orderId) {
        throw new InvalidOrderDataError(
          `event ${e.eventId} belongs to ${e.orderId}, not ${orderId}`,
          e.eventId,
        );
      }
      const ledgerOwner = input.ledger.get(e.eventId)?.orderId;
      if (ledgerOwner !== undefined && ledgerOwner !== orderId) {
        throw new InvalidOrderDataError(
          `event ${e.eventId} reuses an id that belongs to order ${ledgerOwner}`,
          e.eventId,
        );
      }
      if (supersede.has(e.eventId)) {
        skip(e, 'superseded', true);
        continue;
      }
      if (isInvoice(e)) {
        const owner = invoiceOwners.get(e.data.invoiceId);
        if (owner !== undefined && owner !== orderId) {
          throw new InvalidOrderDataError(
            `event ${e.eventId} reuses an id that belongs to order ${owner} (invoice ${e.data.invoiceId})`,
            e.eventId,
          );
        }
        if (!order) {
          push(e, { eventId: e.eventId, outcome: 'deferred' }, false);
          continue;
        }
        if (owner === orderId) {
          skip(e, 'duplicate', true);
          continue;
        }
        checkInvoice(e, order.currency);
        const raise = e.erpVersion > order.erpVersion;
        order = {
          ...order,
          erpVersion: raise ? e.erpVersion : order.erpVersion,
          lastEventType: raise ? e.type : order.lastEventType,
        };
        invoiceOwners.set(e.data.invoiceId, orderId);
        invoiced = true;
        push(e, { eventId: e.eventId, outcome: 'applied' }, true, {
          kind: 'invoice',
          event: e,
          erpVersion: order.erpVersion,
          lastEventType: order.lastEventType,
        });
        continue;
      }
      const snapshot = e as SnapshotEvent;
      if (order && order.snapshotVersion >= e.erpVersion) {
        skip(e, 'stale', !recordedStale(e));
        continue;
      }
      checkSnapshot(snapshot, input.totalRule ?? 'strict');
      const insert = order === null;
      const raise = !order || e.erpVersion > order.erpVersion;
      order = {
        erpVersion: raise ? e.erpVersion : order!.erpVersion,
        snapshotVersion: e.erpVersion,
        lastEventType: raise ? e.type : order!.lastEventType,
        currency: snapshot.data.currency,
      };
      push(e, { eventId: e.eventId, outcome: 'applied' }, true, {
        kind: 'snapshot',
        event: snapshot,
        insert,
        erpVersion: order.erpVersion,
        lastEventType: order.lastEventType,
      });
    } catch (err) {
      if (!(err instanceof InvalidOrderDataError)) throw err;
      push(e, { eventId: e.eventId, outcome: 'rejected', error: err.message }, false);
      break; // keep what came before; stop at the bad event
    }
  }
  return { steps, order: targetOf(order, invoiced), initial };
}

/**
 * The plan cut at step `index`, which becomes a rejection with `error`: used when
 * the target refuses to store that step's data (too long, bad date).
 */
export function rejectAt(plan: ApplyPlan, index: number, error: string): ApplyPlan {
  if (index >= plan.steps.length) return plan;
  const kept = plan.steps.slice(0, index);
  const before = kept.at(-1)?.after ?? null;
  const event = plan.steps[index]!.event;
  const order = before ?? plan.initial;
  const steps: PlanStep[] = [
    ...kept,
    {
      event,
      outcome: { eventId: event.eventId, outcome: 'rejected', error },
      record: false,
      after: order,
    },
  ];
  return { steps, order, initial: plan.initial };
}
