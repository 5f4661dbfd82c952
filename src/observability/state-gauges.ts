import type { Client } from '@temporalio/client';
import type { Admin } from 'kafkajs';
import { CHANNELS } from '../contracts/events';
import { ORDER_CHANNEL, ORDER_SYNC_STATE } from '../contracts/search-attributes';
import { withTimeout } from './http-server';
import { blockedOrders, consumerLag, pollCursorLag, pollGaps } from './metrics';

/**
 * Gauges that describe shared state rather than this process's work. They are
 * read on scrape, not when work happens, so a stalled poller or consumer still
 * shows its lag growing. Each refresher runs at most once per `minIntervalMs`
 * (concurrent scrapes share one run) and gives up after a timeout.
 */
export function throttled(
  refresh: () => Promise<void>,
  minIntervalMs: number,
  timeoutMs = 5_000,
): () => Promise<void> {
  let last = 0;
  let running: Promise<void> | null = null;
  return () => {
    if (running) return running;
    if (Date.now() - last < minIntervalMs) return Promise.resolve();
    last = Date.now();
    running = withTimeout(refresh(), timeoutMs, 'gauge refresh').finally(() => {
      running = null;
    });
    return running;
  };
}

/**
 * `ordersync_poll_cursor_lag` and `ordersync_poll_gaps` from the ERP feed's
 * own backlog: the outbox's highest sequence against the saved cursor, or the
 * query source's changed orders past its watermark. Never a table of its own.
 */
export function pollCursorRefresher(deps: {
  backlog: () => Promise<{ lag: number; gaps: number }>;
}): () => Promise<void> {
  return throttled(async () => {
    const { lag, gaps } = await deps.backlog();
    pollCursorLag.set(lag);
    pollGaps.set(gaps);
  }, 5_000);
}

/** The visibility query for one channel's blocked orders on this task queue. */
export function blockedQuery(taskQueue: string, channel: string): string {
  return [
    `${ORDER_SYNC_STATE.name} = "blocked"`,
    `${ORDER_CHANNEL.name} = "${channel}"`,
    `TaskQueue = "${taskQueue}"`,
    'ExecutionStatus = "Running"',
  ].join(' AND ');
}

/**
 * `ordersync_blocked_orders{channel}` from visibility counts, at most every
 * 30 s. Counted per channel because the dev server's visibility store can
 * group only by ExecutionStatus.
 */
export function blockedOrdersRefresher(deps: {
  client: Client;
  taskQueue: string;
  minIntervalMs?: number;
}): () => Promise<void> {
  return throttled(async () => {
    const counts = await Promise.all(
      CHANNELS.map((ch) => deps.client.workflow.count(blockedQuery(deps.taskQueue, ch))),
    );
    CHANNELS.forEach((channel, i) => blockedOrders.set({ channel }, counts[i]!.count));
  }, deps.minIntervalMs ?? 30_000);
}

/**
 * `ordersync_consumer_lag{topic,partition}`: log-end offset minus the group's
 * committed offset; a partition with no commit yet counts from its low
 * watermark, since the group starts from the beginning.
 */
export function consumerLagRefresher(deps: {
  admin: Admin;
  groupId: string;
  topics: string[];
}): () => Promise<void> {
  return throttled(async () => {
    const [committed, ...ends] = await Promise.all([
      deps.admin.fetchOffsets({ groupId: deps.groupId, topics: deps.topics }),
      ...deps.topics.map((t) => deps.admin.fetchTopicOffsets(t)),
    ]);
    deps.topics.forEach((topic, i) => {
      const done = new Map(
        committed.find((c) => c.topic === topic)?.partitions.map((p) => [p.partition, p.offset]),
      );
      for (const p of ends[i]!) {
        const c = done.get(p.partition);
        const from = c === undefined || c === '-1' ? BigInt(p.low) : BigInt(c);
        const lag = BigInt(p.high) - from;
        consumerLag.set({ topic, partition: String(p.partition) }, Number(lag > 0n ? lag : 0n));
      }
    });
  }, 2_000);
}
