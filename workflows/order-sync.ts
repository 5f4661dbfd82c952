/**
 * One workflow per order; its workflow id is the order id. Events arrive by
 * signal, wait in an `OrderQueue`, and are applied one batch at a time, so one
 * order's creation, updates and invoice can never be applied concurrently.
 */
import {
  condition,
  makeContinueAsNewFunc,
  defineQuery,
  defineSignal,
  log,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { OrderEvent } from '../src/contracts/events';
import { ORDER_CHANNEL, ORDER_SYNC_STATE } from '../src/contracts/search-attributes';
import {
  attentionState,
  resolveOrderSyncOptions,
  stateFromTarget,
} from '../src/contracts/workflow-types';
import type {
  ApplyInput,
  ApplyResult,
  CarriedState,
  OrderSyncInput,
  OrderSyncStatus,
  ReplayRequest,
} from '../src/contracts/workflow-types';
import { DLQ_REASONS } from '../src/contracts/topics';
import {
  activityFailed,
  applyRemote,
  deadLetterHeldEvents,
  failureReason,
  isBadData,
  localApply,
} from './activities';
import { IdleWait } from './idle-wait';
import { LetterBuffer } from './letter-buffer';
import { invoiceWaitSummary, LastErrorClock, namedEvents, orderDetails } from './order-details';
import { OrderQueue } from './order-queue';
import { replayFromErp } from './order-replay';
import type { ReplayContext } from './order-replay';
import { checkSignalEvents } from './signal-events';

/** New events for this order, in the order the consumer read them. */
export const eventsSignal = defineSignal<[OrderEvent[]]>('events');
/** Re-read the order's events from the ERP and re-apply them idempotently. */
export const replaySignal = defineSignal<[ReplayRequest]>('replay');
export const statusQuery = defineQuery<OrderSyncStatus>('status');

/** How long continue-as-new waits for a DLQ write under way (resumableRuns) before carrying it. */
const LETTER_SETTLE_MS = 10_000;

const FRESH: CarriedState = {
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

export async function orderSyncWorkflow(input: OrderSyncInput): Promise<OrderSyncStatus> {
  const { orderId, channel } = input;
  const options = resolveOrderSyncOptions(input.options);
  // Runs recorded without it keep the old code paths below (see OrderSyncOptions.resumableRuns).
  const resumable = options.resumableRuns;
  const applyLocal = localApply(options.localApplyAttempts);
  // The starters set OrderSyncState to what a fresh run would publish first.
  const carried = input.carried ?? {
    ...FRESH,
    publishedState: options.attentionState ? 'ok' : 'new',
  };
  const queue = new OrderQueue(
    orderId,
    { maxBytes: options.maxHeldBytes, seenLimit: options.seenLimit },
    carried,
  );
  let { state, appliedCount, skippedCount, lastError, target, invoiceWaitSince, publishedState } =
    carried;
  const letters = new LetterBuffer(
    { maxBytes: resumable ? options.maxLetterBytes : 0, chunkBytes: options.deadLetterChunkBytes },
    resumable ? { events: carried.letters, unlettered: carried.unlettered } : {},
  );
  // A replay the previous run requested or had begun resumes first.
  let replayRequest: ReplayRequest | null = resumable ? (carried.replay ?? null) : null;
  /** The lowest version the running replay has not applied yet; null when no replay runs. */
  let replayAt: number | null = null;
  // Signals received; an invoice waiting for its order retries only after a new one.
  let arrivals = resumable && carried.arrivedSinceWait ? 1 : 0;
  let arrivalsAtWait = 0;
  /** Since when the current apply has been failing (its local attempts used up); null when it is not. */
  let retryingSince = carried.retryingSince ?? null;
  let applyStartedAt = 0;

  const status = (): OrderSyncStatus => ({
    orderId,
    channel,
    state,
    applied: appliedCount,
    skipped: skippedCount,
    pending: queue.events().map(({ eventId, type, erpVersion }) => ({ eventId, type, erpVersion })),
    lastError,
    erpVersion: target?.erpVersion ?? 0,
    retryingSince,
  });

  const errorClock = new LastErrorClock(lastError, carried.lastErrorSince ?? null);
  const errorSince = () => errorClock.observe(lastError, Date.now());
  // The UI's current details, after every apply, state change and arrival (memory only: no event).
  const showDetails = () => setCurrentDetails(orderDetails(status(), target, errorSince()));

  // What OrderSyncState should say now: the attention state, or (runs of earlier releases) every state.
  const attribute = () =>
    options.attentionState ? attentionState(state, invoiceWaitSince !== null) : state;
  const publish = () => {
    const value = attribute();
    if (publishedState === value) return;
    publishedState = value;
    upsertSearchAttributes([
      { key: ORDER_CHANNEL, value: channel },
      { key: ORDER_SYNC_STATE, value },
    ]);
  };
  const block = (reason: string) => {
    // The worker's logger adds orderId, workflowId and runId; reasons name ids and amounts, never customer data.
    if (state !== 'blocked') log.warn('order blocked', { reason });
    state = 'blocked';
    lastError = reason;
    publish();
    showDetails();
  };

  /**
   * Writes overflow to the DLQ as it appears, beside the main loop, so it is
   * written even while an apply is retrying. Continue-as-new waits until it is
   * idle. With `fewerPromises` it starts with the first overflow, so a run that
   * never overflows (almost every run) does not pay for a wait that never ends;
   * runs recorded without it start it at once (below), as they were recorded.
   */
  let writingLetters = false;
  /** The chunk being written: continue-as-new carries it too, as it may not have been written. */
  let writing: OrderEvent[] = [];
  let letterWriterStarted = false;
  function startLetterWriter(): void {
    if (letterWriterStarted) return;
    letterWriterStarted = true;
    void writeLetters();
  }
  const writeLetters = async (): Promise<void> => {
    for (;;) {
      await condition(() => letters.length > 0);
      writingLetters = true;
      const events = resumable ? letters.takeChunk() : letters.takeAll();
      writing = events;
      try {
        await deadLetterHeldEvents({
          orderId,
          events,
          reason: DLQ_REASONS.blockedOrderOverflow,
          detail: `order is blocked and already holds ${queue.heldBytes} bytes of events (limit ${options.maxHeldBytes}); replay it once fixed`,
        });
        if (resumable) letters.written();
      } catch (err) {
        letters.putBack(events); // only a cancelled activity ends up here; try again
        if (!activityFailed(err)) throw err;
      } finally {
        writingLetters = false;
        writing = [];
      }
    }
  };

  /** Queues events; what does not fit goes to the DLQ and blocks the order. */
  const enqueue = (events: readonly OrderEvent[]) => {
    const { repeats, overflow: over } = queue.offer(events);
    skippedCount += repeats;
    showDetails();
    if (over.length === 0) return;
    const refused = letters.add(over);
    if (options.fewerPromises) startLetterWriter();
    if (state !== 'blocked') {
      block(
        `queue full: ${queue.heldBytes} bytes held (limit ${options.maxHeldBytes}); later events were dead-lettered; replay the order`,
      );
    }
    const lost = letters.unlettered;
    if (refused > 0 && lost !== null) {
      // The DLQ has not taken the letters held so far: these are only counted; the ERP still has them.
      log.warn('events neither queued nor dead-lettered', { count: refused });
      lastError = `queue full, and the letters waiting for the DLQ at their limit (${options.maxLetterBytes} bytes): ${lost.count} event(s) from v${lost.fromVersion} on were neither queued nor dead-lettered; replay the order from v${lost.fromVersion} or earlier`;
      showDetails();
    }
  };
  setHandler(eventsSignal, (payload) => {
    arrivals++;
    if (!options.validateSignals) {
      enqueue(payload);
      return;
    }
    const { events, refused } = checkSignalEvents(payload);
    enqueue(events);
    if (refused !== null) block(refused);
  });
  setHandler(replaySignal, (req) => {
    replayRequest = req;
  });
  setHandler(statusQuery, status);
  // Letters a previous run could not write (resumableRuns) start the writer at once.
  if (!options.fewerPromises || letters.length > 0) startLetterWriter();

  const continueAsNewDue = () => {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength >= options.maxHistoryEvents;
  };
  const hasWork = () => replayRequest !== null || queue.length > 0;

  /** The replay the next run resumes: the running one's progress or a requested one, whichever reaches back further. */
  const replayToCarry = (): ReplayRequest | null => {
    if (replayAt === null && replayRequest === null) return null;
    const requested = replayRequest === null ? Infinity : (replayRequest.fromVersion ?? 1);
    return { fromVersion: Math.min(replayAt ?? Infinity, requested) };
  };
  const continueAsNew = async (): Promise<never> => {
    // Runs without resumableRuns write every overflowing event first; nothing runs between this and the command.
    if (!resumable) await condition(() => letters.length === 0 && !writingLetters);
    // A write under way usually lands within seconds; carried unfinished, it may be written twice.
    else if (writingLetters) await condition(() => !writingLetters, LETTER_SETTLE_MS);
    const carry = resumable
      ? {
          replay: replayToCarry(),
          arrivedSinceWait: invoiceWaitSince !== null && arrivals > arrivalsAtWait,
          // A chunk still being written may be written twice; a replay's dedupe makes that harmless.
          letters: [...writing, ...letters.snapshot()],
          unlettered: letters.unlettered,
          retryingSince,
        }
      : {};
    const next: CarriedState = {
      state,
      appliedCount,
      skippedCount,
      ...queue.snapshot(),
      lastError,
      target,
      invoiceWaitSince,
      publishedState,
      lastErrorSince: errorSince(),
      ...carry,
    };
    // Pass the attributes explicitly rather than rely on the server copying them.
    return makeContinueAsNewFunc<typeof orderSyncWorkflow>({
      typedSearchAttributes: [
        { key: ORDER_CHANNEL, value: channel },
        { key: ORDER_SYNC_STATE, value: publishedState },
      ],
    })({ orderId, channel, options, carried: next });
  };

  /**
   * The regular apply after the local one gave up: MySQL is likely down, maybe
   * for hours. Signals keep arriving meanwhile; when continue-as-new falls due
   * the run moves on without waiting, carrying the batch, which the next run
   * applies again idempotently.
   */
  const applyAfterOutage = async (req: ApplyInput): Promise<ApplyResult> => {
    let done = false;
    const call = applyRemote(req).finally(() => (done = true));
    // Resolves (and is dropped) once the call is done, so waits do not pile up.
    const due = condition(() => done || continueAsNewDue()).then(() => !done);
    if (await Promise.race([call.then(() => false), due])) return continueAsNew();
    return call;
  };

  /** The local apply's attempts are used up: the regular activity retries without growing this history. */
  const afterLocal = (req: ApplyInput, err: unknown): Promise<ApplyResult> => {
    if (!activityFailed(err) || isBadData(err)) throw err;
    // Shown in the details and `ordersync status` while the regular apply retries (no history events).
    retryingSince ??= applyStartedAt;
    if (state !== 'blocked') lastError = `apply failing, retrying: ${failureReason(err)}`;
    showDetails();
    return applyAfterOutage(req);
  };
  // With fewerPromises not an async function: every promise a workflow creates
  // costs the SDK a stack capture, and this runs once per batch.
  const apply = options.fewerPromises
    ? (req: ApplyInput): Promise<ApplyResult> =>
        options.localApply
          ? applyLocal(req).catch((err: unknown) => afterLocal(req, err))
          : applyRemote(req)
    : async (req: ApplyInput): Promise<ApplyResult> => {
        if (!options.localApply) return applyRemote(req);
        try {
          return await applyLocal(req);
        } catch (err) {
          return afterLocal(req, err);
        }
      };

  const record = (result: ApplyResult) => {
    retryingSince = null;
    target = result.order;
    const counts = queue.settle(result.outcomes);
    appliedCount += counts.applied;
    skippedCount += counts.skipped;
    const rejected = result.outcomes.find((o) => o.outcome === 'rejected');
    if (rejected?.outcome === 'rejected') block(`InvalidOrderDataError: ${rejected.error}`);
    showDetails();
  };

  /** After an apply: the state MySQL shows, or why the queue is still not empty. */
  const settleState = (progressed: boolean) => {
    if (state === 'blocked') return;
    state = stateFromTarget(target);
    lastError = null;
    if (queue.length === 0) {
      invoiceWaitSince = null;
    } else if (!target?.exists) {
      if (queue.events().every((p) => p.type === 'invoice_creation')) {
        // Only invoices are left: they wait for their order's creation.
        invoiceWaitSince ??= Date.now();
        arrivalsAtWait = arrivals;
      } else {
        invoiceWaitSince = null; // an order event arrived during the apply; go again
      }
    } else if (progressed) {
      invoiceWaitSince = null; // an invoice that preceded its creation in this batch goes next round
    } else {
      block(`apply left ${queue.length} event(s) unapplied on an existing order`);
    }
  };

  const idle = new IdleWait(options.idleCloseMs, options.oneIdleTimer);
  const wake = () => replayRequest !== null || continueAsNewDue();
  /**
   * waitForWork's answer when it needs no wait, null when it would wait. Every
   * promise a workflow creates costs the SDK a stack capture, so the common
   * cases (work already queued, an invoiced order closing) skip the async call.
   * Runs recorded without `fewerPromises` always take the async path.
   */
  const readyNow = (): boolean | null => {
    if (!options.fewerPromises || !options.oneIdleTimer) return null;
    if (state === 'blocked' || invoiceWaitSince !== null) return null;
    if (options.closeWhenInvoiced && state === 'invoiced') return wake() || hasWork();
    return wake() || hasWork() ? true : null;
  };
  /** Waits for something to do; false when the run should close (idle, nothing held). */
  const waitForWork = async (): Promise<boolean> => {
    if (state === 'blocked') {
      // Hold this order's later events until an operator replays it.
      await condition(wake);
      return true;
    }
    if (invoiceWaitSince !== null) {
      const remaining = Math.max(0, invoiceWaitSince + options.invoiceWaitMs - Date.now());
      const timer = { summary: invoiceWaitSummary(remaining) };
      if (!(await condition(() => wake() || arrivals > arrivalsAtWait, remaining, timer))) {
        invoiceWaitSince = null;
        block(
          `invoice waited ${Math.round(options.invoiceWaitMs / 1000)}s for an order creation that never arrived`,
        );
      }
      return true;
    }
    // Idle and not blocked: close; a later event starts a new run with the same
    // id, which carries on from MySQL (ledger, snapshot guard, invoices). An
    // invoiced order is finished, so it closes without an idle timer.
    if (options.closeWhenInvoiced && state === 'invoiced') return wake() || hasWork();
    return idle.wait(wake, hasWork);
  };

  for (;;) {
    // Publish only when idle or waiting: events queued behind each other do not
    // each cost an upsert. (Runs of earlier releases published only when idle.)
    if (!hasWork() || (options.attentionState && invoiceWaitSince !== null)) publish();
    showDetails();
    if (!(readyNow() ?? (await waitForWork()))) {
      // Close once every overflowing event is written; an event that arrives
      // meanwhile (a DLQ write can retry for long) is applied first.
      const closable = () => (letters.length === 0 && !writingLetters) || hasWork();
      if (!(options.fewerPromises && closable())) await condition(closable);
      if (!hasWork()) break;
      continue;
    }
    // A pending replay runs first (runs with resumableRuns carry it instead).
    if (continueAsNewDue() && (resumable || replayRequest === null)) await continueAsNew();
    if (replayRequest === null) {
      if (state === 'blocked' || queue.length === 0) continue;
      if (invoiceWaitSince !== null && arrivals === arrivalsAtWait) continue;
    }
    try {
      if (replayRequest !== null) {
        const req: ReplayRequest = replayRequest;
        replayRequest = null;
        state = stateFromTarget(target);
        lastError = null;
        invoiceWaitSince = null;
        const blocked = () => state === 'blocked';
        const pageBytes = options.replayPageBytes;
        const applyPage = (r: ApplyInput) => {
          applyStartedAt = Date.now();
          return apply(r);
        };
        const ctx: ReplayContext = {
          orderId,
          pageBytes,
          queue,
          apply: applyPage,
          record,
          block,
          blocked,
        };
        const requeued: OrderEvent[] = [];
        if (resumable) {
          replayAt = req.fromVersion ?? 1;
          letters.forgetUnlettered(replayAt);
          ctx.resumable = {
            progress: (v) => (replayAt = v),
            requeue: (events) => {
              requeued.push(...events);
              enqueue(events);
            },
            betweenPages: async () => {
              if (continueAsNewDue()) await continueAsNew();
            },
          };
        }
        try {
          await replayFromErp(req, ctx);
        } finally {
          replayAt = null;
        }
        settleState(true);
        if (requeued.length > 0 && state !== 'blocked') {
          // Waiting, not done: the details say why, and the invoice wait blocks it in time.
          lastError = `replay left ${namedEvents(requeued)} deferred until the order's creation is applied; replay from v1 if it never landed`;
        }
      } else {
        applyStartedAt = Date.now();
        const result = await apply({ orderId, events: queue.batch() });
        record(result);
        settleState(
          result.outcomes.some((o) => o.outcome === 'applied' || o.outcome === 'skipped'),
        );
      }
    } catch (err) {
      // Bad data that escaped as an error, or any other activity failure: the
      // order blocks with the reason instead of failing the run.
      if (!activityFailed(err)) throw err;
      retryingSince = null;
      block(failureReason(err));
    }
  }
  return status();
}
