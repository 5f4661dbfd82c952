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
import { createWorkerConnection } from './temporal/connection';
import { createDataConverter } from './temporal/data-converter';

export interface WorkerOptions {
  maxConcurrentActivities: number;
  maxCachedWorkflows: number;
}

/**
 * Runs the Temporal worker (per-order workflows, the poll workflow and their
 * activities) until SIGINT/SIGTERM, then drains and closes its connections.
 */
export async function runWorker(cfg: Config, opts: WorkerOptions): Promise<void> {
  const log = createLogger('worker');
  const topics = topicsFromConfig(cfg);
  const pool = createPool(cfg.ORDERSYNC_MYSQL_URL, {
    connectionLimit: cfg.ORDERSYNC_MYSQL_POOL_SIZE,
  });
  const erpPool = createPool(cfg.ORDERSYNC_ERP_MYSQL_URL, { connectionLimit: 2 });
  const kafka = createKafka(cfg, '-worker');
  const admin = kafka.admin();
  await admin.connect();
  const created = await ensureTopics(admin, topics, cfg.ORDERSYNC_TOPIC_PARTITIONS);
  await admin.disconnect();
  if (created.length > 0) log.info('created topics', { topics: created });
  const producer = new EventProducer(kafka, topics);
  await producer.connect();
  const connection = await createWorkerConnection(cfg);
  try {
    const worker = await Worker.create({
      connection,
      namespace: cfg.ORDERSYNC_TEMPORAL_NAMESPACE,
      taskQueue: cfg.ORDERSYNC_TASK_QUEUE,
      workflowsPath: require.resolve('../workflows'),
      dataConverter: createDataConverter(cfg),
      activities: createActivities({
        pool,
        erp: new MysqlErpSource(erpPool),
        cursors: new CursorRepository(pool),
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
    await connection.close().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await pool.end().catch(() => undefined);
    await erpPool.end().catch(() => undefined);
  }
}
