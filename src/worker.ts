import { Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { Config } from './config';
import { redactUrl } from './config';
import { CursorRepository } from './db/cursor-repository';
import { createPool } from './db/pool';
import { MysqlErpSource } from './erp/mysql-source';
import { createKafka } from './kafka/client';
import { EventProducer } from './kafka/producer';
import { ensureTopics, topicsFromConfig } from './kafka/topics';
import { createLogger } from './log';
import { parseMetricsAddress, startObservabilityServer } from './observability/http-server';
import { exportOnlyMetricsOf } from './observability/metrics';
import { blockedOrdersRefresher, pollCursorRefresher } from './observability/state-gauges';
import { installTemporalRuntime } from './observability/temporal-runtime';
import { createTemporalClient, createWorkerConnection } from './temporal/connection';

export interface WorkerOptions {
  maxConcurrentActivities: number;
  maxCachedWorkflows: number;
  /** Overrides ORDERSYNC_METRICS_ADDRESS (`host:port` or `off`). */
  metricsAddress?: string;
}

/**
 * Runs the Temporal worker (per-order workflows, the poll workflow and their
 * activities) until SIGINT/SIGTERM, then drains and closes its connections.
 */
export async function runWorker(cfg: Config, opts: WorkerOptions): Promise<void> {
  const log = createLogger('worker');
  const metricsAddress = opts.metricsAddress ?? cfg.ORDERSYNC_METRICS_ADDRESS;
  const sdkMetrics = await installTemporalRuntime({
    sdkMetrics: parseMetricsAddress(metricsAddress) !== null,
  });
  const topics = topicsFromConfig(cfg);
  const pool = createPool(cfg.ORDERSYNC_MYSQL_URL, {
    connectionLimit: cfg.ORDERSYNC_MYSQL_POOL_SIZE,
  });
  const erpPool = createPool(cfg.ORDERSYNC_ERP_MYSQL_URL, { connectionLimit: 2 });
  const cursors = new CursorRepository(pool);
  let worker: Worker | undefined;
  // Set once the Temporal client exists; a scrape before then skips the blocked-orders count.
  const late: { refreshBlocked?: () => Promise<void> } = {};
  exportOnlyMetricsOf('worker');
  const http = await startObservabilityServer({
    address: metricsAddress,
    log,
    readiness: {
      temporalWorker: () => {
        const state = worker?.getState() ?? 'STARTING';
        return { ok: state === 'RUNNING', detail: state };
      },
      mysql: async () => {
        await pool.query('SELECT 1');
        return { ok: true };
      },
    },
    beforeScrape: [
      pollCursorRefresher({ erpPool, cursors, cursorName: cfg.ORDERSYNC_CURSOR_NAME }),
      () => late.refreshBlocked?.() ?? Promise.resolve(),
    ],
    ...(sdkMetrics ? { extraMetrics: sdkMetrics } : {}),
  });
  // The SDK's Runtime drains a running worker on these signals; this listener only flips
  // the probes. Before the worker exists there is nothing to drain, and a listener
  // would otherwise swallow the signal, so exit as the default handler would.
  const drain = (signal: NodeJS.Signals) => {
    http?.setDraining();
    if (worker === undefined || worker.getState() === 'INITIALIZED') {
      log.warn('stopped before the worker was running', { signal });
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
  };
  process.once('SIGTERM', drain);
  process.once('SIGINT', drain);
  const kafka = createKafka(cfg, '-worker');
  const admin = kafka.admin();
  await admin.connect();
  const created = await ensureTopics(admin, topics, cfg.ORDERSYNC_TOPIC_PARTITIONS);
  await admin.disconnect();
  if (created.length > 0) log.info('created topics', { topics: created });
  const producer = new EventProducer(kafka, topics);
  await producer.connect();
  const connection = await createWorkerConnection(cfg);
  const client = await createTemporalClient(cfg);
  late.refreshBlocked = blockedOrdersRefresher({ client, taskQueue: cfg.ORDERSYNC_TASK_QUEUE });
  try {
    worker = await Worker.create({
      connection,
      namespace: cfg.ORDERSYNC_TEMPORAL_NAMESPACE,
      taskQueue: cfg.ORDERSYNC_TASK_QUEUE,
      workflowsPath: require.resolve('../workflows'),
      activities: createActivities({
        pool,
        erp: new MysqlErpSource(erpPool),
        cursors,
        producer,
        cursorName: cfg.ORDERSYNC_CURSOR_NAME,
        pageSize: cfg.ORDERSYNC_POLL_PAGE_SIZE,
        pollBudgetMs: cfg.ORDERSYNC_POLL_BUDGET,
      }),
      maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivities,
      maxCachedWorkflows: opts.maxCachedWorkflows,
      shutdownGraceTime: '10s',
    });
    log.info('worker running', {
      taskQueue: cfg.ORDERSYNC_TASK_QUEUE,
      temporal: cfg.ORDERSYNC_TEMPORAL_ADDRESS,
      mysql: redactUrl(cfg.ORDERSYNC_MYSQL_URL),
    });
    await worker.run(); // returns after SIGINT/SIGTERM once in-flight tasks finish
    log.info('worker stopped');
  } finally {
    await client.connection.close().catch(() => undefined);
    await connection.close().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await pool.end().catch(() => undefined);
    await erpPool.end().catch(() => undefined);
    await http?.close();
  }
}
