// The real pipeline, measured from the first ERP commit to the last MySQL apply.
import type { ChildProcess } from 'node:child_process';
import type { Client } from '@temporalio/client';
import type { TestPipeline } from '../../test/support/pipeline';
import type { BenchOptions, SystemResult } from '../common';
import { log, ms, percentile, round, rows } from '../common';
import { meter } from '../metering';

/** Counts history events that Temporal bills as actions, over a sample of order workflows. */
async function actionsPerEvent(
  client: Client,
  orderIds: string[],
  eventsPerOrder: Map<string, number>,
) {
  // Matched by attribute, so no enum table is needed.
  const billable = [
    'workflowExecutionStartedEventAttributes',
    'workflowExecutionSignaledEventAttributes',
    'activityTaskScheduledEventAttributes',
    'timerStartedEventAttributes',
    'upsertWorkflowSearchAttributesEventAttributes',
    'workflowExecutionContinuedAsNewEventAttributes',
    'markerRecordedEventAttributes', // local activities: billed as one action each
  ] as const;
  let actions = 0;
  let events = 0;
  for (const id of orderIds) {
    const history = await client.workflow.getHandle(id).fetchHistory();
    for (const e of history.events ?? []) {
      if (billable.some((k) => e[k] !== null && e[k] !== undefined)) actions++;
    }
    events += eventsPerOrder.get(id) ?? 0;
  }
  return events > 0 ? actions / events : null;
}

export async function runOrdersync(p: TestPipeline, opts: BenchOptions, prefix: string) {
  const { reader, app, client } = p;
  const children: Record<string, ChildProcess> = {};
  // Fixed metrics ports, so Prometheus or curl can watch a run: workers 9471.., consumers 9481..
  const metrics = (role: string, port: number) => {
    log(`${role}: http://127.0.0.1:${port}/metrics`);
    return { ORDERSYNC_METRICS_ADDRESS: `127.0.0.1:${port}` };
  };
  for (let i = 1; i <= opts.workers; i++)
    children[`worker ${i}`] = p.start('worker', metrics(`worker ${i}`, 9470 + i));
  for (let i = 1; i <= opts.consumers; i++)
    children[`consumer ${i}`] = p.start('consumer', metrics(`consumer ${i}`, 9480 + i));
  try {
    await p.schedule(1000);
    // Warm-up: worker start, consumer group join, first workflows.
    const warm = await p.simulate({ orders: 20, prefix: `${prefix}W`, concurrency: 4 });
    await p.converge(`${prefix}W`, 180_000, 'warm-up');
    log(`warm-up done (${warm.events} events); measuring ${opts.orders} orders`);

    const stop = meter(children);
    const sim = await p.simulate({
      orders: opts.orders,
      prefix,
      concurrency: 4,
      updateProbability: opts.updates,
      onEvent: (w, planned) => {
        if (w % 1000 === 0) log(`ERP written ${w}/${planned}`);
      },
    });
    let lastLog = 0;
    const report = await p.converge(prefix, opts.timeoutMs, 'ordersync to apply every event', {
      alive: Object.values(children),
      progress: (r) => {
        if (Date.now() - lastLog > 5000) {
          lastLog = Date.now();
          log(`applied+skipped ${r.appliedEvents + r.skippedEvents}/${sim.events}`);
        }
      },
    });
    const processes = stop();
    const erpTimes = await rows(
      reader,
      'SELECT event_id, occurred_at FROM order_events WHERE order_id LIKE ?',
      [`${prefix}-%`],
    );
    const applied = await rows(
      app,
      'SELECT event_id, applied_at FROM applied_events WHERE order_id LIKE ?',
      [`${prefix}-%`],
    );
    const occurred = new Map(erpTimes.map((r) => [String(r.event_id), ms(String(r.occurred_at))]));
    const lags = applied
      .map((r) => ms(String(r.applied_at)) - (occurred.get(String(r.event_id)) ?? 0))
      .sort((a, b) => a - b);
    const first = Math.min(...occurred.values());
    const last = Math.max(...applied.map((r) => ms(String(r.applied_at))));
    const wall = (last - first) / 1000;
    const perOrder = new Map<string, number>();
    for (const r of await rows(
      reader,
      'SELECT order_id, COUNT(*) AS n FROM order_events WHERE order_id LIKE ? GROUP BY order_id',
      [`${prefix}-%`],
    )) {
      perOrder.set(String(r.order_id), Number(r.n));
    }
    const sample = sim.orderIds.slice(0, Math.min(200, sim.orderIds.length));
    const ape = await actionsPerEvent(client, sample, perOrder);
    const result: SystemResult = {
      events: sim.events,
      wallSeconds: round(wall),
      eventsPerSec: round(sim.events / wall),
      p50LagMs: percentile(lags, 50),
      p95LagMs: percentile(lags, 95),
      p99LagMs: percentile(lags, 99),
      lagFrom: 'ERP commit (occurred_at) → MySQL apply',
      violations: report.orderingViolations,
      lost: report.unaccounted,
      duplicates: report.duplicates,
      actionsPerEvent: ape === null ? null : round(ape),
      actionsCounted: `history events Temporal bills as actions (start, signal, activity scheduled, local-activity marker, timer, search-attribute upsert, continue-as-new), over ${sample.length} sampled orders`,
      processes,
    };
    return { result, orderIds: sim.orderIds, perOrder };
  } finally {
    await client.schedule
      .getHandle(p.cfg.ORDERSYNC_SCHEDULE_ID)
      .delete()
      .catch(() => undefined);
    await Promise.all(Object.values(children).map((c) => p.stop(c)));
  }
}
