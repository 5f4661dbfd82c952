/**
 * Types and pure helpers shared by the per-order workflow, its activities, the
 * consumer and the CLI. No I/O and no Node built-ins: the workflow bundle imports it.
 */
import type { Channel, EventType, OrderEvent } from './events';

export const ORDER_SYNC_STATES = ['new', 'created', 'updated', 'invoiced', 'blocked'] as const;
export type OrderSyncState = (typeof ORDER_SYNC_STATES)[number];

/**
 * What the OrderSyncState search attribute holds in runs started with
 * `attentionState`: whether the order needs an operator, not how far it got.
 * `ok`: applying, idle or done; `waiting`: an invoice waits for its order's
 * creation; `blocked`: held until a replay. The exact state is in the run's
 * current details, `ordersync status` and MySQL.
 */
export const ORDER_ATTENTION_STATES = ['ok', 'waiting', 'blocked'] as const;
export type OrderAttentionState = (typeof ORDER_ATTENTION_STATES)[number];

export function attentionState(
  state: OrderSyncState,
  invoiceWaiting: boolean,
): OrderAttentionState {
  if (state === 'blocked') return 'blocked';
  return invoiceWaiting ? 'waiting' : 'ok';
}

export type SkipReason = 'duplicate' | 'stale' | 'superseded';

/**
 * What one apply did to one event. `deferred`: an invoice before its order, to
 * try again later. `rejected`: bad data; the apply stopped there, kept what came
 * before, and the order must be Blocked until it is replayed.
 */
export type EventOutcome =
  | { eventId: string; outcome: 'applied' }
  | { eventId: string; outcome: 'skipped'; reason: SkipReason }
  | { eventId: string; outcome: 'deferred' }
  | { eventId: string; outcome: 'rejected'; error: string };

/** The target row as the apply activity left it, so the workflow derives its state from MySQL. */
export interface TargetOrderState {
  exists: boolean;
  /** Highest ERP version of any applied event, invoices included. */
  erpVersion: number;
  /** ERP version of the snapshot the row holds (the stale guard); 0 before a run that knew it. */
  snapshotVersion?: number;
  lastEventType: EventType | null;
  invoiced: boolean;
}

export interface ApplyResult {
  outcomes: EventOutcome[];
  order: TargetOrderState;
}

export interface ApplyInput {
  orderId: string;
  events: OrderEvent[];
  /** Event ids to record as skipped (superseded by a newer snapshot in the same replay) without applying. */
  supersede?: string[];
}

export interface OrderSyncOptions {
  /** How long an invoice may wait for its order's creation before the order is Blocked. */
  invoiceWaitMs: number;
  /** How long an order's workflow that is not blocked stays open with nothing to do. */
  idleCloseMs: number;
  /** How many recent event ids the workflow remembers for dedupe. */
  seenLimit: number;
  /** Apply through a local activity (no server round trip) instead of a regular one. */
  localApply: boolean;
  /**
   * Attempts of the local apply before it falls back to a regular activity,
   * which retries without limit and without growing the history (a local
   * activity that retries for hours keeps its workflow task alive and does).
   */
  localApplyAttempts: number;
  /**
   * Continue-as-new at this history length even if the server has not suggested
   * it yet (it suggests at about 4k events by default). Tests set it low.
   */
  maxHistoryEvents: number;
  /**
   * Bytes of events (as JSON) the workflow queues, in any state. Later ones go
   * to the DLQ with reason `blocked-order-overflow` and the order is Blocked, so
   * the queue that continue-as-new carries stays well under Temporal's 2 MB limit.
   */
  maxHeldBytes: number;
  /** Bytes of ERP events one replay read returns at most (a replay reads page by page). */
  replayPageBytes: number;
  /**
   * One idle timer per run instead of one per wait (each timer is a billed
   * action). The starters always set it; it defaults to false because runs
   * started by an earlier release have no such option in their input and must
   * replay as they were recorded (test/histories/before-one-idle-timer).
   */
  oneIdleTimer: boolean;
  /**
   * OrderSyncState holds the attention state (`ok`, `waiting`, `blocked`), so
   * it is upserted only when an order starts or stops needing an operator; with
   * false it follows every state (new, created, updated, invoiced), one billed
   * upsert per change. The starters always set it; false is how earlier
   * releases' runs were recorded.
   */
  attentionState: boolean;
  /**
   * Close the run as soon as the order is invoiced and nothing is queued,
   * instead of after `idleCloseMs`: no idle timer for a finished order. A late
   * event starts a new run, which carries on from MySQL. The starters always
   * set it; false is how earlier releases' runs were recorded.
   */
  closeWhenInvoiced: boolean;
  /**
   * Await only what must wait: the dead-letter writer starts with the run's
   * first overflow instead of waiting from the start, and no async call is made
   * where the answer is already known (work queued, an invoiced order closing,
   * the apply). The SDK captures a stack trace for every promise a workflow
   * creates, so this halves that cost per order. It changes when commands are
   * issued within one activation in rare cases (a replay signal and a first
   * overflow in one task), so runs recorded without it keep the old path. The
   * starters always set it; false is how earlier releases' runs were recorded.
   */
  fewerPromises: boolean;
  /**
   * Nothing an order's run holds is lost when it continues as new: a replay's
   * progress (and a replay requested but not started), whether new events came
   * while an invoice waited, and the DLQ letters not yet written are carried
   * to the next run, which resumes them; a replay continues as new between
   * pages when due. A replay page's deferred events go back into the queue.
   * Letters are written in chunks of at most `deadLetterChunkBytes`, and what
   * the run holds for the DLQ is bounded by `maxLetterBytes`. It changes the
   * commands of runs that replay, overflow or wait, so runs recorded without
   * it keep the old path. The starters always set it.
   */
  resumableRuns: boolean;
  /** With `resumableRuns`: bytes of events held for the DLQ at most; beyond it they are only counted. */
  maxLetterBytes: number;
  /** With `resumableRuns`: bytes of events one DLQ write carries at most. */
  deadLetterChunkBytes: number;
  /**
   * Every event a signal carries is checked against the Kafka contract's
   * schema, as the consumer checks messages: a signal sent from the Temporal
   * UI or CLI with a malformed event blocks the order with the reason instead
   * of failing its apply forever. The starters always set it.
   */
  validateSignals: boolean;
}

export const DEFAULT_ORDER_SYNC_OPTIONS: OrderSyncOptions = {
  invoiceWaitMs: 60 * 60 * 1000,
  idleCloseMs: 24 * 60 * 60 * 1000,
  seenLimit: 1000,
  localApply: true,
  localApplyAttempts: 5,
  maxHistoryEvents: 10_000,
  maxHeldBytes: 1_000_000,
  replayPageBytes: 512 * 1024,
  oneIdleTimer: false,
  attentionState: false,
  closeWhenInvoiced: false,
  fewerPromises: false,
  resumableRuns: false,
  maxLetterBytes: 512 * 1024,
  deadLetterChunkBytes: 512 * 1024,
  validateSignals: false,
};

/**
 * The behaviours every run this release starts is given. They default to off
 * in `DEFAULT_ORDER_SYNC_OPTIONS` because runs of earlier releases have no such
 * options in their input and must replay as they were recorded.
 */
export const THIS_RELEASE_OPTIONS = {
  oneIdleTimer: true,
  attentionState: true,
  closeWhenInvoiced: true,
  fewerPromises: true,
  resumableRuns: true,
  validateSignals: true,
} as const satisfies Partial<OrderSyncOptions>;

/**
 * Every option with a value: the starter resolves them into the workflow's
 * input at the first start, and continue-as-new carries them, so a deploy that
 * changes a default never changes a running workflow's decisions on replay.
 */
export function resolveOrderSyncOptions(partial: Partial<OrderSyncOptions> = {}): OrderSyncOptions {
  const resolved = { ...DEFAULT_ORDER_SYNC_OPTIONS };
  for (const key of Object.keys(resolved) as Array<keyof OrderSyncOptions>) {
    const value = partial[key];
    if (value !== undefined) (resolved as Record<string, unknown>)[key] = value;
  }
  return resolved;
}

/** Carried across continue-as-new, so a new run resumes exactly where the old one stopped. */
export interface CarriedState {
  state: OrderSyncState;
  appliedCount: number;
  skippedCount: number;
  pending: OrderEvent[];
  seen: string[];
  lastError: string | null;
  target: TargetOrderState | null;
  invoiceWaitSince: number | null;
  /** The OrderSyncState search attribute as last written; continue-as-new carries attributes over. */
  publishedState: OrderSyncState | OrderAttentionState;
  /** When `lastError` was first seen (workflow time, ms), for the UI's details; absent in older runs. */
  lastErrorSince?: number | null;
  /** A replay to resume (its next version), or one requested but not started (`resumableRuns`). */
  replay?: ReplayRequest | null;
  /** Whether events arrived since an invoice began to wait (`resumableRuns`). */
  arrivedSinceWait?: boolean;
  /** Events for the DLQ not yet written (`resumableRuns`). */
  letters?: OrderEvent[];
  /** Events neither queued nor held for the DLQ: their count and lowest version (`resumableRuns`). */
  unlettered?: { count: number; fromVersion: number } | null;
  /** Since when (workflow time, ms) the current batch's apply has been failing and retrying. */
  retryingSince?: number | null;
}

export interface OrderSyncInput {
  orderId: string;
  channel: Channel;
  /** Complete when ordersync starts the workflow; a partial set is resolved once, at the first run. */
  options?: Partial<OrderSyncOptions>;
  carried?: CarriedState;
}

export interface OrderSyncStatus {
  orderId: string;
  channel: Channel;
  state: OrderSyncState;
  applied: number;
  skipped: number;
  pending: Array<Pick<OrderEvent, 'eventId' | 'type' | 'erpVersion'>>;
  lastError: string | null;
  erpVersion: number;
  /** Since when (epoch ms) the apply has been failing and retrying; absent or null when it is not. */
  retryingSince?: number | null;
}

/** An apply failing for longer than this is reported as retrying (`ordersync status`, the gauge). */
export const APPLY_RETRYING_AFTER_MS = 60_000;

export interface ReplayRequest {
  /** Re-apply from this ERP version on; all events when absent. */
  fromVersion?: number;
}

/** Derives the sync state from what MySQL holds, unless the workflow has blocked the order. */
export function stateFromTarget(target: TargetOrderState | null): OrderSyncState {
  if (!target?.exists) return 'new';
  if (target.invoiced) return 'invoiced';
  return target.lastEventType === 'order_creation' ? 'created' : 'updated';
}

/**
 * For a replay: every order snapshot that is immediately followed, in ERP
 * version order, by another snapshot. Applying only the later one is
 * equivalent under upsert semantics and lets a corrected ERP snapshot overtake
 * a poisoned one. A snapshot followed by an invoice is kept, because the invoice
 * must land on the order as it was when invoiced.
 */
export function supersededSnapshots(events: readonly OrderEvent[]): string[] {
  const sorted = [...events].sort((a, b) => a.erpVersion - b.erpVersion);
  const out: string[] = [];
  for (let i = 0; i + 1 < sorted.length; i++) {
    const cur = sorted[i]!;
    const next = sorted[i + 1]!;
    if (cur.type !== 'invoice_creation' && next.type !== 'invoice_creation') out.push(cur.eventId);
  }
  return out;
}

/**
 * UTF-8 size of an event as JSON: what it costs in a Temporal payload. Pure, so
 * workflow code can use it (no TextEncoder needed in the sandbox).
 */
export function eventBytes(event: OrderEvent): number {
  const json = JSON.stringify(event);
  let bytes = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < json.length) {
      bytes += 4; // a surrogate pair is one 4-byte code point
      i++;
    } else bytes += 3;
  }
  return bytes;
}
