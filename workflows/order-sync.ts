/**
 * One workflow per order; its workflow id is the order id. Events arrive by
 * signal, are queued, and are applied one batch at a time, so one order's
 * creation, updates and invoice can never be applied concurrently.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  makeContinueAsNewFunc,
  defineQuery,
  defineSignal,
  log,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';
import type { OrderEvent } from '../src/contracts/events';
import { ORDER_CHANNEL, ORDER_SYNC_STATE } from '../src/contracts/search-attributes';
import {
  DEFAULT_ORDER_SYNC_OPTIONS,
  eventBytes,
  stateFromTarget,
  supersededSnapshots,
} from '../src/contracts/workflow-types';
import type {
  ApplyResult,
  CarriedState,
  OrderSyncInput,
  OrderSyncState,
  OrderSyncStatus,
  ReplayRequest,
} from '../src/contracts/workflow-types';
import type { Activities } from '../activities';
import { NON_RETRYABLE_ERROR_TYPES } from '../src/contracts/errors';

/** New events for this order, in the order the consumer read them. */
export const eventsSignal = defineSignal<[OrderEvent[]]>('events');
/** Re-read the order's events from the ERP and re-apply them idempotently. */
export const replaySignal = defineSignal<[ReplayRequest]>('replay');
export const statusQuery = defineQuery<OrderSyncStatus>('status');

const APPLY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: {
    initialInterval: '500ms',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    // Transient failures (MySQL down, deadlock) retry forever; bad data does not.
    nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES],
  },
};

const remote = proxyActivities<Activities>(APPLY_OPTIONS);
// A local activity runs in the worker that holds the workflow: no activity task
// round trip through the server, which is what limits throughput here.
const local = proxyLocalActivities<Activities>(APPLY_OPTIONS);

export async function orderSyncWorkflow(input: OrderSyncInput): Promise<OrderSyncStatus> {
  const options = { ...DEFAULT_ORDER_SYNC_OPTIONS, ...input.options };
  const { applyOrderEvents } = options.localApply ? local : remote;
  const { readOrderEventsFromErp, deadLetterHeldEvents } = remote;
  const carried: CarriedState = input.carried ?? {
    state: 'new',
    appliedCount: 0,
    skippedCount: 0,
    pending: [],
    seen: [],
    lastError: null,
    target: null,
    invoiceWaitSince: null,
    publishedState: 'new',
  };
  let { state, appliedCount, skippedCount, lastError, target, invoiceWaitSince } = carried;
  const pending: OrderEvent[] = [...carried.pending];
  const seen = new Set<string>(carried.seen);
  const seenOrder: string[] = [...carried.seen];
  // Bytes held in `pending`; past options.maxHeldBytes a blocked order dead-letters new events.
  let heldBytes = 0;
  const recount = () => {
    heldBytes = pending.reduce((n, e) => n + eventBytes(e), 0);
  };
  recount();
  const overflow: OrderEvent[] = [];
  let replayRequest: ReplayRequest | null = null;
  // The starter sets the initial attributes and continue-as-new carries them over.
  let publishedState: OrderSyncState | null = input.carried ? input.carried.publishedState : 'new';

  const remember = (eventId: string) => {
    if (seen.has(eventId)) return;
    seen.add(eventId);
    seenOrder.push(eventId);
    while (seenOrder.length > options.seenLimit) seen.delete(seenOrder.shift()!);
  };

  const publish = () => {
    if (publishedState === state) return;
    publishedState = state;
    upsertSearchAttributes([
      { key: ORDER_CHANNEL, value: input.channel },
      { key: ORDER_SYNC_STATE, value: state },
    ]);
  };

  const enqueue = (events: OrderEvent[]) => {
    for (const e of events) {
      if (e.orderId !== input.orderId) continue; // the consumer guarantees this; never trust it
      if (seen.has(e.eventId) || pending.some((p) => p.eventId === e.eventId)) {
        skippedCount++;
        continue;
      }
      const size = eventBytes(e);
      if (state === 'blocked' && heldBytes + size > options.maxHeldBytes) {
        overflow.push(e);
        continue;
      }
      pending.push(e);
      heldBytes += size;
    }
  };

  setHandler(eventsSignal, enqueue);
  setHandler(replaySignal, (req) => {
    replayRequest = req;
  });
  setHandler(statusQuery, () => ({
    orderId: input.orderId,
    channel: input.channel,
    state,
    applied: appliedCount,
    skipped: skippedCount,
    pending: pending.map(({ eventId, type, erpVersion }) => ({ eventId, type, erpVersion })),
    lastError,
    erpVersion: target?.erpVersion ?? 0,
  }));

  const recordResult = (result: ApplyResult) => {
    target = result.order;
    for (const o of result.outcomes) {
      if (o.outcome === 'deferred') continue;
      if (o.outcome === 'rejected') {
        block(`InvalidOrderDataError: ${o.error}`);
        continue;
      }
      const i = pending.findIndex((p) => p.eventId === o.eventId);
      if (i >= 0) pending.splice(i, 1);
      remember(o.eventId);
      if (o.outcome === 'applied') appliedCount++;
      else skippedCount++;
    }
    recount();
  };

  const block = (reason: string) => {
    // The worker's logger adds orderId, workflowId and runId; reasons name ids and amounts, never customer data.
    if (state !== 'blocked') log.warn('order blocked', { reason });
    state = 'blocked';
    lastError = reason;
    publish();
  };

  const replay = async (req: ReplayRequest) => {
    const { events, invalid } = await readOrderEventsFromErp({
      orderId: input.orderId,
      fromVersion: req.fromVersion ?? 1,
    });
    if (invalid.length > 0) {
      block(
        `replay found ${invalid.length} invalid ERP event(s): ${invalid[0]!.eventId}: ${invalid[0]!.error}`,
      );
      return;
    }
    // Fresh ERP copies replace queued ones (the ERP may have been corrected);
    // the ledger in MySQL makes already-applied events no-ops.
    const fresh = new Set(events.map((e) => e.eventId));
    const kept = pending.filter((p) => !fresh.has(p.eventId));
    pending.length = 0;
    for (const e of events) seen.delete(e.eventId);
    const keep = seenOrder.filter((id) => seen.has(id));
    seenOrder.splice(0, seenOrder.length, ...keep);
    pending.push(...events, ...kept);
    pending.sort((a, b) => a.erpVersion - b.erpVersion);
    recount();
    const result = await applyOrderEvents({
      orderId: input.orderId,
      events: [...pending],
      supersede: supersededSnapshots(pending),
    });
    recordResult(result);
  };

  // While an invoice waits for its order, only a newly arrived event is worth another attempt.
  let arrivalsMark = 0;
  const canSuggested = () => {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength >= options.maxHistoryEvents;
  };

  for (;;) {
    const hasWork = () => replayRequest !== null || pending.length > 0;
    // Publish only when idle: events queued behind each other do not each cost an upsert.
    if (!hasWork()) publish();
    if (state === 'blocked') {
      // Hold this order's later events until an operator replays it.
      await condition(() => replayRequest !== null || overflow.length > 0 || canSuggested());
    } else if (invoiceWaitSince !== null) {
      const remaining = Math.max(0, invoiceWaitSince + options.invoiceWaitMs - Date.now());
      const woke = await condition(
        () => replayRequest !== null || pending.length > arrivalsMark || canSuggested(),
        remaining,
      );
      if (!woke) {
        invoiceWaitSince = null;
        block(
          `invoice waited ${Math.round(options.invoiceWaitMs / 1000)}s for an order creation that never arrived`,
        );
        continue;
      }
    } else if (state === 'invoiced') {
      const woke = await condition(() => hasWork() || canSuggested(), options.idleCloseMs);
      if (!woke) break; // invoiced and idle: close; a later event starts a new run with the same id
    } else {
      await condition(() => hasWork() || canSuggested());
    }

    // Before any continue-as-new: the overflow is not part of the carried state.
    if (overflow.length > 0) {
      const events = overflow.splice(0);
      await deadLetterHeldEvents({
        orderId: input.orderId,
        events,
        reason: 'blocked-order-overflow',
        detail: `order is blocked and already holds ${heldBytes} bytes of events (limit ${options.maxHeldBytes}); replay it once fixed`,
      });
    }

    // A pending replay runs first: it is not part of the carried state.
    if (canSuggested() && replayRequest === null) {
      const next: CarriedState = {
        state,
        appliedCount,
        skippedCount,
        pending,
        seen: seenOrder,
        lastError,
        target,
        invoiceWaitSince,
        publishedState,
      };
      // Pass the attributes explicitly rather than rely on the server copying them.
      await makeContinueAsNewFunc<typeof orderSyncWorkflow>({
        typedSearchAttributes: [
          { key: ORDER_CHANNEL, value: input.channel },
          { key: ORDER_SYNC_STATE, value: publishedState ?? state },
        ],
      })({ ...input, carried: next });
    }
    if (state === 'blocked' && replayRequest === null) continue;
    if (invoiceWaitSince !== null && replayRequest === null && pending.length <= arrivalsMark)
      continue;

    let progressed = true;
    try {
      if (replayRequest !== null) {
        const req: ReplayRequest = replayRequest;
        replayRequest = null;
        state = stateFromTarget(target);
        lastError = null;
        invoiceWaitSince = null;
        await replay(req);
      } else {
        // Version order: arrival order normally equals it, but a re-delivered or
        // DLQ-replayed event may arrive late; the stable sort puts it in place.
        const batch = [...pending].sort((a, b) => a.erpVersion - b.erpVersion);
        const result = await applyOrderEvents({ orderId: input.orderId, events: batch });
        recordResult(result);
        progressed = result.outcomes.some(
          (o) => o.outcome === 'applied' || o.outcome === 'skipped',
        );
      }
      if (state === 'blocked') continue;
      state = stateFromTarget(target);
      lastError = null;
      if (pending.length === 0) {
        invoiceWaitSince = null;
      } else if (!target?.exists) {
        if (pending.every((p) => p.type === 'invoice_creation')) {
          // Only invoices are left: they wait for their order's creation.
          invoiceWaitSince ??= Date.now();
          arrivalsMark = pending.length;
        } else {
          invoiceWaitSince = null; // an order event arrived during the apply; go again
        }
      } else if (progressed) {
        // An invoice that preceded its creation in this batch is retried next round.
        invoiceWaitSince = null;
      } else {
        block(`apply left ${pending.length} event(s) unapplied on an existing order`);
      }
    } catch (err) {
      if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) {
        block(`${err.cause.type ?? 'Error'}: ${err.cause.message}`);
      } else {
        throw err;
      }
    }
  }

  return {
    orderId: input.orderId,
    channel: input.channel,
    state,
    applied: appliedCount,
    skipped: skippedCount,
    pending: [],
    lastError,
    erpVersion: target?.erpVersion ?? 0,
  };
}
