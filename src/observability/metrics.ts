import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { retryingOrders } from './retrying-orders';

/**
 * The application metrics, one registry per process. Names and labels are a
 * contract with the alert rules (deploy/prometheus/alerts.yml) and the
 * dashboard; change them together. Hooks elsewhere are one-line calls on these.
 */
export const registry = new Registry();

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const END_TO_END_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600];

export const consumerMessages = new Counter({
  name: 'ordersync_consumer_messages_total',
  help: 'Kafka messages the consumer handled: delivered to a workflow or dead-lettered.',
  labelNames: ['topic', 'outcome'] as const,
  registers: [registry],
});

export const consumerLag = new Gauge({
  name: 'ordersync_consumer_lag',
  help: "Log-end offset minus the group's committed offset (every member reports the whole group; aggregate with max).",
  labelNames: ['topic', 'partition'] as const,
  registers: [registry],
});

export const consumerHandoverSeconds = new Histogram({
  name: 'ordersync_consumer_handover_seconds',
  help: "Round trip of one order batch's signal (signal-with-start) to Temporal.",
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

export const dlqMessages = new Counter({
  name: 'ordersync_dlq_messages_total',
  help: 'Dead letters written, by the consumer and by the poller, by reason.',
  labelNames: ['reason'] as const,
  registers: [registry],
});

export const eventsApplied = new Counter({
  name: 'ordersync_events_applied_total',
  help: 'Apply outcomes per event, counted once after the transaction commits (retries see duplicates).',
  labelNames: ['type', 'outcome'] as const,
  registers: [registry],
});

export const applySeconds = new Histogram({
  name: 'ordersync_apply_seconds',
  help: 'One apply transaction, connection checkout to commit.',
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

export const applyFailures = new Counter({
  name: 'ordersync_apply_failures_total',
  help: 'Apply attempts that failed: kind "data" is non-retryable bad data, "transient" is retried.',
  labelNames: ['kind'] as const,
  registers: [registry],
});

export const applyRetryingOrders = new Gauge({
  name: 'ordersync_apply_retrying_orders',
  help: 'Orders whose apply has failed on this worker for more than a minute and is still retrying (aggregate with max).',
  registers: [registry],
  collect() {
    this.set(retryingOrders.count(Date.now()));
  },
});

export const commitToApplySeconds = new Histogram({
  name: 'ordersync_commit_to_apply_seconds',
  help: "From the ERP's change time (occurredAt, stamped in the ERP transaction) to the MySQL commit that applied it.",
  buckets: END_TO_END_BUCKETS,
  registers: [registry],
});

export const blockedOrders = new Gauge({
  name: 'ordersync_blocked_orders',
  help: 'Running order workflows in state blocked, from a visibility count refreshed at most every 30 s.',
  labelNames: ['channel'] as const,
  registers: [registry],
});

export const pollRows = new Counter({
  name: 'ordersync_poll_rows_total',
  help: 'ERP change-log rows the poller handled: produced to Kafka or dead-lettered.',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export const pollCursorLag = new Gauge({
  name: 'ordersync_poll_cursor_lag',
  help: 'Outbox: highest ERP change-log sequence minus the poll cursor position. Query source: orders changed after the watermark (counted up to one page).',
  registers: [registry],
});

export const pollGaps = new Gauge({
  name: 'ordersync_poll_gaps',
  help: 'Missing sequences below the cursor that the poller keeps re-checking.',
  registers: [registry],
});

export const pollGapsDropped = new Counter({
  name: 'ordersync_poll_gaps_dropped_total',
  help: 'Change-log sequences given up after the gap TTL (reason expired); each is still looked for as a late row.',
  labelNames: ['reason'] as const,
  registers: [registry],
});

export const pollLateRows = new Counter({
  name: 'ordersync_poll_late_rows_total',
  help: 'Change-log rows that appeared after their gap was given up (late beyond the gap TTL), produced then.',
  registers: [registry],
});

export const erpFutureMarkers = new Counter({
  name: 'ordersync_erp_future_markers_total',
  help: 'Rows the query source read whose change marker was ahead of the ERP database clock (a wrong time zone or clock); the watermark stays at the clock, so they are re-read until the clock passes them.',
  registers: [registry],
});

export const erpInvoiceConflicts = new Counter({
  name: 'ordersync_erp_invoice_order_conflicts_total',
  help: 'Invoice rows the query source read that name another order than the one the invoice id (or the invoice a credit note corrects) was produced for: one invoice billing several orders. Skipped and logged with both order ids; a row is counted each time a pass or a replay reads it again, so watch the rate, not the total.',
  registers: [registry],
});

export const reconcileOrdersChecked = new Counter({
  name: 'ordersync_reconcile_orders_checked_total',
  help: 'Orders a reconcile run compared between the ERP and the target (re-checks included).',
  registers: [registry],
});

export const reconcileDriftOrders = new Gauge({
  name: 'ordersync_reconcile_drift_orders',
  help: 'Orders the last reconcile run this worker executed found drifted, by kind (confirmed by a re-check). Take the series of the instance with the newest last-success timestamp.',
  labelNames: ['kind'] as const,
  registers: [registry],
});

export const reconcileLastSuccess = new Gauge({
  name: 'ordersync_reconcile_last_success_timestamp_seconds',
  help: 'When a reconcile run last completed its comparison on this worker (0: never since start); aggregate with max.',
  registers: [registry],
});

// Series that exist from the start, so rate() and absent-value alerts see a 0
// rather than nothing before the first event.
for (const type of ['order_creation', 'order_updation', 'invoice_creation'])
  for (const outcome of ['applied', 'duplicate', 'stale', 'rejected'])
    eventsApplied.inc({ type, outcome }, 0);
for (const kind of ['data', 'transient']) applyFailures.inc({ kind }, 0);
for (const outcome of ['produced', 'dead_lettered']) pollRows.inc({ outcome }, 0);
pollGapsDropped.inc({ reason: 'expired' }, 0);

/** One poll page, counted once its cursor is saved. */
export function countPolledRows(produced: number, deadLettered: number): void {
  pollRows.inc({ outcome: 'produced' }, produced);
  pollRows.inc({ outcome: 'dead_lettered' }, deadLettered);
}

/** Dead letters a producer has written (acknowledged by Kafka). */
export function countDeadLetters(letters: ReadonlyArray<{ reason: string }>): void {
  for (const l of letters) dlqMessages.inc({ reason: l.reason });
}

/** Gaps the poll cursor gave up; called where they are dropped, with zero or more. */
export function countDroppedGaps(reason: 'expired', n: number): void {
  if (n > 0) pollGapsDropped.inc({ reason }, n);
}

/** Query-source rows read with a change marker ahead of the ERP's clock. */
export function countFutureMarkers(n: number): void {
  if (n > 0) erpFutureMarkers.inc(n);
}

/** Query-source invoice rows skipped because their invoice id belongs to another order. */
export function countInvoiceConflicts(n: number): void {
  if (n > 0) erpInvoiceConflicts.inc(n);
}

/** Rows produced after their gap had been given up. */
export function countLateRows(n: number): void {
  if (n > 0) pollLateRows.inc(n);
}

const CONSUMER_ONLY = [consumerMessages, consumerLag, consumerHandoverSeconds];
const WORKER_ONLY = [
  eventsApplied,
  applySeconds,
  applyFailures,
  applyRetryingOrders,
  commitToApplySeconds,
  blockedOrders,
  pollRows,
  pollCursorLag,
  pollGaps,
  pollGapsDropped,
  pollLateRows,
  erpFutureMarkers,
  reconcileOrdersChecked,
  reconcileDriftOrders,
  reconcileLastSuccess,
];

/**
 * Keeps in this process's registry only the metrics its role produces, so a
 * consumer does not export a worker's zeros (an unlabelled gauge such as the
 * cursor lag would otherwise read 0 from every consumer). Counting on an
 * unregistered metric is harmless.
 */
export function exportOnlyMetricsOf(role: 'worker' | 'consumer'): void {
  for (const m of role === 'worker' ? CONSUMER_ONLY : WORKER_ONLY) {
    const name = (m as unknown as { name: string }).name;
    if (registry.getSingleMetric(name)) registry.removeSingleMetric(name);
  }
}
