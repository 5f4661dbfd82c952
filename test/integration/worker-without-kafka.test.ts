import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { Client } from '@temporalio/client';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProcess, stopProcess } from '../../src/cli/processes';
import { loadConfig, workflowOptionsFromConfig } from '../../src/config';
import { migrate } from '../../src/db/migrate';
import { createPool } from '../../src/db/pool';
import { createTemporalClient } from '../../src/temporal/connection';
import { OrderWorkflowClient } from '../../src/temporal/order-workflow-client';
import { erpPollWorkflow } from '../../workflows/erp-poll';
import { eventually, testEnv } from '../support/env';
import { orderHistory, uniqueOrderId } from '../support/order-events';

// Defect 9 of issue 8: applies need only Temporal and MySQL, so a worker whose
// Kafka is unreachable must still start and apply; only polling waits for Kafka.
const base = testEnv('no-kafka');
let env: NodeJS.ProcessEnv;
let worker: ChildProcess | undefined;
let client: Client;
let app: Pool;

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

beforeAll(async () => {
  env = { ...base.env, ORDERSYNC_KAFKA_BROKERS: `127.0.0.1:${await closedPort()}` };
  const migrator = createPool(base.cfg.ORDERSYNC_MYSQL_MIGRATE_URL!, { connectionLimit: 1 });
  await migrate(migrator);
  await migrator.end();
  app = createPool(base.cfg.ORDERSYNC_MYSQL_URL, { connectionLimit: 2 });
  client = await createTemporalClient(base.cfg);
});

afterAll(async () => {
  if (worker) await stopProcess(worker);
  await client?.connection.close();
  await app?.end();
});

describe('a worker whose Kafka is down', () => {
  it('starts, applies orders, and leaves the poll activity failing and retrying', async () => {
    const cfg = loadConfig(env);
    worker = startProcess('worker', [], env);
    const orderId = uniqueOrderId('NOKAFKA');
    const orders = new OrderWorkflowClient(client, {
      taskQueue: cfg.ORDERSYNC_TASK_QUEUE,
      workflowOptions: workflowOptionsFromConfig(cfg),
    });
    await orders.deliver(orderId, 'online', orderHistory(orderId, 1));
    const row = await eventually(
      async () => {
        if (worker?.exitCode !== null) throw new Error(`worker exited with ${worker?.exitCode}`);
        const [rows] = await app.query<RowDataPacket[]>(
          'SELECT erp_version FROM orders WHERE order_id = ?',
          [orderId],
        );
        return rows[0] && Number(rows[0].erp_version) === 3 ? rows[0] : undefined;
      },
      60_000,
      'the order to be applied',
    );
    expect(Number(row.erp_version)).toBe(3);
    const [invoices] = await app.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM invoices WHERE order_id = ?',
      [orderId],
    );
    expect(Number(invoices[0]!.n)).toBe(1);

    const poll = await client.workflow.start(erpPollWorkflow, {
      taskQueue: cfg.ORDERSYNC_TASK_QUEUE,
      workflowId: `poll-${base.runId}`,
    });
    try {
      const failure = await eventually(
        async () => {
          const d = await poll.describe();
          expect(d.status.name).toBe('RUNNING');
          const pending = d.raw.pendingActivities?.[0];
          return pending?.lastFailure ? pending : undefined;
        },
        120_000,
        'a failed poll attempt',
      );
      expect(failure.activityType?.name).toBe('pollErpToKafka');
      // The worker itself is still up, serving the retries.
      expect(worker?.exitCode).toBeNull();
    } finally {
      await poll.terminate('test done');
    }
  }, 240_000);
});
