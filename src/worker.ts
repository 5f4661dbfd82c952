import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { NativeConnection } from '@temporalio/worker';
import { createActivities } from '../activities';
import { APPLY_POOL_OPTIONS } from '../activities/apply-order-events';
import type { Config } from './config';
import { redactUrl, workflowOptionsFromConfig } from './config';
import { createPool } from './db/pool';
import { pollTaskQueue } from './erp/poll-settings';
import { openErpSource } from './erp/open-source';
import { createKafka } from './kafka/client';
import { EventProducer } from './kafka/producer';
import { topicsFromConfig } from './kafka/topics';
import { createLogger } from './log';
import { parseMetricsAddress, startObservabilityServer } from './observability/http-server';
import { exportOnlyMetricsOf } from './observability/metrics';
import { blockedOrdersRefresher, pollCursorRefresher } from './observability/state-gauges';
import { installTemporalRuntime } from './observability/temporal-runtime';
import { reconcileTargetSide } from './reconcile/adapters/target-side';
import { createTarget } from './target/create-target';
import { requireTargetReady } from './target/check';
import { describeProblems, targetProblems } from './target/startup-check';
import { reconcileErpSide } from './reconcile/adapters/erp-side';
import { forgetLostInvoices } from './reconcile/restore-invoices';
import { createTemporalClient, createWorkerConnection } from './temporal/connection';
import { createDataConverter } from './temporal/data-converter';
import { OrderWorkflowClient } from './temporal/order-workflow-client';
import { previousScheduledRun } from './temporal/reconcile-schedule';
import { prebuiltWorkflowBundle } from './temporal/workflow-bundle';

/**
 * Defaults for the worker's sizing (flags and env in src/cli/run.ts). The
 * cache holds the workflows that are mid-burst: an order whose workflow fell
 * out replays its history (a few dozen events) on its next task, which costs
 * worker CPU but nothing else. Memory grows with the cache (about 0.3 MB per
 * cached workflow), not with the number of open workflows; 1000 keeps a worker
 * with 100,000 open orders under 1 GiB, and a burst caches a few dozen at a
 * time (docs/bench.md, --open-workflows).
 */
export const DEFAULT_WORKER_SIZING = { maxActivities: 50, maxCachedWorkflows: 1000 } as const;

export interface WorkerOptions {
  maxConcurrentActivities: number;
  maxCachedWorkflows: number;
  /** Overrides ORDERSYNC_METRICS_ADDRESS (`host:port` or `off`). */
  metricsAddress?: string;
  /**
   * The task queues this process serves: both (default), only the order
   * workflows and their activities, or only the poll workflow and its activity
   * (the poll in its own process, so its CPU and memory are its own).
   */
  queues?: WorkerQueues;
}

export const WORKER_QUEUES = ['all', 'orders', 'poll'] as const;
export type WorkerQueues = (typeof WORKER_QUEUES)[number];

/**
 * Runs the Temporal worker (per-order workflows, the poll workflow and their
 * activities) until SIGINT/SIGTERM, then drains and closes its connections.
 */
export async function runWorker(cfg: Config, opts: WorkerOptions): Promise<void> {
  const log = createLogger('worker');
  const target = createTarget(cfg); // a mapping with an unknown parameter fails here, naming the file
  // Before any connection: a missing bundle, or one from another build, fails fast.
  const { codePath, buildId } = prebuiltWorkflowBundle();
  const workflowBundle = { codePath };
  const metricsAddress = opts.metricsAddress ?? cfg.ORDERSYNC_METRICS_ADDRESS;
  const sdkMetrics = await installTemporalRuntime({
    sdkMetrics: parseMetricsAddress(metricsAddress) !== null,
  });
  const topics = topicsFromConfig(cfg);
  // The apply's own pool sends several statements per query (two round trips per
  // apply); the other users (cursor, probes, gauges) share a small pool that does not.
  const applyPool = createPool(cfg.ORDERSYNC_MYSQL_URL, {
    connectionLimit: cfg.ORDERSYNC_MYSQL_POOL_SIZE,
    ...APPLY_POOL_OPTIONS,
  });
  const pool = createPool(cfg.ORDERSYNC_MYSQL_URL, { connectionLimit: 2 });
  // Kafka is reached lazily (see EventProducer): applies need only Temporal and
  // MySQL, so the worker starts while Kafka is down and the poll activity retries.
  const producer = new EventProducer(createKafka(cfg, '-worker'), topics, {
    createTopicsWithPartitions: cfg.ORDERSYNC_TOPIC_PARTITIONS,
    onTopicsCreated: (created) => log.info('created topics', { topics: created }),
    onReplicationWarning: (w) => log.warn(w.message, { topic: w.topic }),
  });
  // The configured source (outbox or query, MySQL or PostgreSQL); its books live in `pool`.
  // A query-source replay that finds unbooked content produces it as the poll does.
  const erp = await orClose(
    () => openErpSource(cfg, pool, { publish: (events) => producer.sendEvents(events) }),
    [pool, applyPool],
  );
  // Before any task: the bookkeeping schema version and every table and column
  // the target writes. A mismatch is not transient; the worker refuses to start (exit 78).
  let reconcileSides;
  try {
    reconcileSides = {
      erp: reconcileErpSide(erp),
      target: reconcileTargetSide(cfg, target, pool),
    };
    const failed = (await requireTargetReady(pool, target)).filter((s) => !s.ok);
    for (const s of failed)
      log.warn('target check: the sample order was refused as data', {
        step: s.step,
        reason: s.detail,
      });
  } catch (err) {
    await Promise.all([pool.end(), applyPool.end(), erp.close()]).catch(() => undefined);
    throw err;
  }
  const workers: Worker[] = [];
  const queues = opts.queues ?? 'all';
  const expectedWorkers = queues === 'all' ? 2 : 1;
  // Set once the Temporal client exists; a scrape before then skips the blocked-orders count.
  const late: { refreshBlocked?: () => Promise<void> } = {};
  exportOnlyMetricsOf('worker');
  const http = await orClose(
    () =>
      startObservabilityServer({
        address: metricsAddress,
        log,
        readiness: {
          temporalWorker: () => {
            // Up to two workers: the general one and the poll activity's own (see below).
            const states = [...new Set(workers.map((w) => w.getState()))];
            const ok =
              workers.length === expectedWorkers && states.length === 1 && states[0] === 'RUNNING';
            return { ok, detail: states.length > 0 ? states.join(',') : 'STARTING' };
          },
          mysql: async () => {
            await pool.query('SELECT 1');
            return { ok: true };
          },
          // The schema can change under a running worker: say so rather than retry in silence.
          target: async () => {
            const problems = await targetProblems(pool, target);
            return problems.length === 0
              ? { ok: true, detail: target.kind }
              : { ok: false, detail: describeProblems(problems) };
          },
        },
        beforeScrape: [
          pollCursorRefresher({ backlog: () => erp.feed.backlog() }),
          () => late.refreshBlocked?.() ?? Promise.resolve(),
        ],
        ...(sdkMetrics ? { extraMetrics: sdkMetrics } : {}),
      }),
    [pool, applyPool, erp],
  );
  // The SDK's Runtime drains a running worker on these signals; this listener only flips
  // the probes. Before the workers exist there is nothing to drain, and a listener
  // would otherwise swallow the signal, so exit as the default handler would.
  // Aborted on the first signal: a poll watching the change log returns at once
  // instead of holding the drain for the SDK's grace time.
  const stopping = new AbortController();
  const drain = (signal: NodeJS.Signals) => {
    http?.setDraining();
    stopping.abort();
    if (workers.length === 0 || workers.some((w) => w.getState() === 'INITIALIZED')) {
      log.warn('stopped before the worker was running', { signal });
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
  };
  process.once('SIGTERM', drain);
  process.once('SIGINT', drain);
  // Everything opened so far (pools, the ERP source, the probe server, the
  // producer) is closed in `finally`, also when Temporal cannot be reached, so
  // the process exits with the error instead of hanging on open handles.
  let connection: NativeConnection | undefined;
  let client: Client | undefined;
  try {
    connection = await reachTemporal(cfg, () => createWorkerConnection(cfg));
    const temporal = await reachTemporal(cfg, () => createTemporalClient(cfg));
    client = temporal;
    late.refreshBlocked = blockedOrdersRefresher({
      client: temporal,
      taskQueue: cfg.ORDERSYNC_TASK_QUEUE,
    });
    const orders = new OrderWorkflowClient(temporal, {
      taskQueue: cfg.ORDERSYNC_TASK_QUEUE,
      workflowOptions: workflowOptionsFromConfig(cfg),
    });
    const activities = createActivities({
      pool: applyPool,
      target,
      erp: erp.history,
      feed: erp.feed,
      producer,
      pageSize: cfg.ORDERSYNC_POLL_PAGE_SIZE,
      pollBudgetMs: cfg.ORDERSYNC_POLL_BUDGET,
      pollRereadMs: cfg.ORDERSYNC_POLL_REREAD,
      stopping: stopping.signal,
      totalRule: cfg.ORDERSYNC_TOTAL_RULE,
      reconcile: {
        sides: reconcileSides,
        replay: (orderId, channel) => orders.replay(orderId, channel, {}),
        restoreInvoices: (orderId, invoiceIds) =>
          forgetLostInvoices(
            { pool, target: reconcileSides.target, history: erp.history },
            orderId,
            invoiceIds,
          ),
        repairPerSecond: cfg.ORDERSYNC_RECONCILE_REPAIR_RATE,
        dutyCycle: cfg.ORDERSYNC_RECONCILE_DUTY_CYCLE,
        previousRun: (scheduleId) => previousScheduledRun(temporal, scheduleId),
      },
    });
    const common = {
      connection,
      namespace: cfg.ORDERSYNC_TEMPORAL_NAMESPACE,
      dataConverter: createDataConverter(cfg),
      shutdownGraceTime: '10s' as const,
    };
    if (queues !== 'poll')
      workers.push(
        await Worker.create({
          ...common,
          taskQueue: cfg.ORDERSYNC_TASK_QUEUE,
          workflowBundle,
          activities,
          maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivities,
          maxCachedWorkflows: opts.maxCachedWorkflows,
        }),
      );
    // The poll workflow's and activity's own queue and slots: replays, applies
    // and a backlog of order workflow tasks cannot starve it.
    if (queues !== 'orders')
      workers.push(
        await Worker.create({
          ...common,
          taskQueue: pollTaskQueue(cfg.ORDERSYNC_TASK_QUEUE),
          workflowBundle,
          activities: { pollErpToKafka: activities.pollErpToKafka },
          maxConcurrentActivityTaskExecutions: 1,
          maxConcurrentWorkflowTaskExecutions: 2,
          maxCachedWorkflows: 10,
        }),
      );
    log.info('worker running', {
      taskQueue: cfg.ORDERSYNC_TASK_QUEUE,
      queues,
      temporal: cfg.ORDERSYNC_TEMPORAL_ADDRESS,
      mysql: redactUrl(cfg.ORDERSYNC_MYSQL_URL),
      buildId: buildId.slice(0, 12),
      target: target.kind,
      erpSource: erp.kind,
      erp: redactUrl(cfg.ORDERSYNC_ERP_URL),
    });
    producer.connect().then(
      () => log.info('kafka connected'),
      (err: unknown) =>
        log.warn('kafka not reachable yet; polling retries until it is', {
          error: (err as Error).message,
        }),
    );
    // Both return after SIGINT/SIGTERM once in-flight tasks finish; if one fails, the other stops too.
    await runTogether(workers);
    log.info('worker stopped');
  } finally {
    await client?.connection.close().catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await pool.end().catch(() => undefined);
    await applyPool.end().catch(() => undefined);
    await erp.close().catch(() => undefined);
    await http?.close();
  }
}

/**
 * Runs one start-up step; when it fails, closes what was opened before it
 * (pools, the ERP source), so the process ends with the error instead of
 * hanging on open handles.
 */
async function orClose<T>(
  step: () => T | Promise<T>,
  opened: ReadonlyArray<{ end?: () => Promise<void>; close?: () => Promise<void> }>,
): Promise<T> {
  try {
    return await step();
  } catch (err) {
    await Promise.all(opened.map((o) => (o.end ?? o.close)?.call(o) ?? Promise.resolve())).catch(
      () => undefined,
    );
    throw err;
  }
}

/** Temporal's connection errors say little; name the address the worker could not reach. */
async function reachTemporal<T>(cfg: Config, connect: () => Promise<T>): Promise<T> {
  try {
    return await connect();
  } catch (err) {
    throw new Error(
      `cannot connect to Temporal at ${cfg.ORDERSYNC_TEMPORAL_ADDRESS} (namespace ${cfg.ORDERSYNC_TEMPORAL_NAMESPACE}): ${(err as Error).message}`,
    );
  }
}

/** Runs workers until all have stopped; the first failure shuts the others down and is rethrown. */
async function runTogether(workers: readonly Worker[]): Promise<void> {
  const results = await Promise.allSettled(
    workers.map((w) =>
      w.run().catch((err: unknown) => {
        for (const other of workers) if (other.getState() === 'RUNNING') other.shutdown();
        throw err;
      }),
    ),
  );
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}
