import type { ChildProcess } from 'node:child_process';
import type { Client } from '@temporalio/client';
import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProcess, stopProcess } from '../../src/cli/processes';
import { workflowOptionsFromConfig } from '../../src/config';
import { CursorRepository } from '../../src/db/cursor-repository';
import { migrate } from '../../src/db/migrate';
import { createPool } from '../../src/db/pool';
import { initErpSchema } from '../../src/erp/simulator';
import { createKafka } from '../../src/kafka/client';
import { ensureTopics, topicsFromConfig } from '../../src/kafka/topics';
import { pollTaskQueue } from '../../src/erp/poll-settings';
import { createTemporalClient } from '../../src/temporal/connection';
import { OrderWorkflowClient } from '../../src/temporal/order-workflow-client';
import { upsertPollSchedule } from '../../src/temporal/schedule';
import type { PollReport } from '../../activities/poll-erp';
import { erpPollWorkflow } from '../../workflows/erp-poll';
import { eventually, testEnv } from '../support/env';
import { orderHistory, uniqueOrderId } from '../support/order-events';

// Issue 8, defect 14: the poll activity must not wait behind other activities.
// A worker with one activity slot, that slot held by an apply blocked on a row
// lock, still polls: the poll activity has its own task queue and slot.
const { cfg, env, runId } = testEnv('poll-slots');
let worker: ChildProcess | undefined;
let client: Client;
let app: Pool;
let locker: PoolConnection | undefined;

beforeAll(async () => {
  const migrator = createPool(cfg.ORDERSYNC_MYSQL_MIGRATE_URL!, { connectionLimit: 1 });
  await migrate(migrator);
  await migrator.end();
  const writer = createPool(cfg.ORDERSYNC_ERP_WRITER_URL!, { connectionLimit: 1 });
  await initErpSchema(writer);
  const [rows] = await writer.query<RowDataPacket[]>(
    'SELECT COALESCE(MAX(seq), 0) AS s FROM order_events',
  );
  await writer.end();
  app = createPool(cfg.ORDERSYNC_MYSQL_URL, { connectionLimit: 3 });
  // Poll only what comes after the shared test change log's current end.
  await new CursorRepository(app).save(cfg.ORDERSYNC_CURSOR_NAME, {
    position: Number(rows[0]!.s),
    gaps: [],
  });
  const admin = createKafka(cfg, '-test').admin();
  await admin.connect();
  await ensureTopics(admin, topicsFromConfig(cfg), 3);
  await admin.disconnect();
  client = await createTemporalClient(cfg);
  // A triggered run of the hourly Schedule below watches until its budget runs out,
  // re-reading more often than the interval.
  worker = startProcess('worker', ['--max-activities', '1'], {
    ...env,
    ORDERSYNC_POLL_BUDGET: '3s',
    ORDERSYNC_POLL_REREAD: '200ms',
  });
});

afterAll(async () => {
  await locker?.rollback().catch(() => undefined);
  locker?.release();
  if (worker) await stopProcess(worker);
  await client?.connection.close();
  await app?.end();
  const admin = createKafka(cfg, '-test').admin();
  await admin.connect();
  const t = topicsFromConfig(cfg);
  await admin.deleteTopics({ topics: [t.online, t.store, t.international, t.dlq] }).catch(() => 0);
  await admin.disconnect();
});

const version = async (orderId: string): Promise<number> => {
  const [rows] = await app.query<RowDataPacket[]>(
    'SELECT erp_version FROM orders WHERE order_id = ?',
    [orderId],
  );
  return Number(rows[0]?.erp_version ?? 0);
};

describe('poll activity slots', () => {
  it('polls while the only general activity slot is held by a blocked apply', async () => {
    const orderId = uniqueOrderId('SLOT');
    const [created, updated] = orderHistory(orderId, 1);
    const orders = new OrderWorkflowClient(client, {
      taskQueue: cfg.ORDERSYNC_TASK_QUEUE,
      // A remote apply activity, which takes a slot of the worker's one.
      workflowOptions: { ...workflowOptionsFromConfig(cfg), localApply: false },
    });
    await orders.deliver(orderId, 'online', [created!]);
    await eventually(async () => (await version(orderId)) === 1, 60_000, 'the creation');

    // Hold the order row, so the apply of the update blocks in its slot.
    locker = await app.getConnection();
    await locker.beginTransaction();
    await locker.query('SELECT order_id FROM orders WHERE order_id = ? FOR UPDATE', [orderId]);
    await orders.deliver(orderId, 'online', [updated!]);
    const handle = client.workflow.getHandle(orderId);
    await eventually(
      async () => {
        const d = await handle.describe();
        return d.raw.pendingActivities?.some((a) => a.activityType?.name === 'applyOrderEvents');
      },
      30_000,
      'the apply to be running',
    );

    const started = Date.now();
    const report = await client.workflow.execute(erpPollWorkflow, {
      taskQueue: cfg.ORDERSYNC_TASK_QUEUE,
      workflowId: `poll-${runId}`,
      workflowExecutionTimeout: '40s',
    });
    const tookMs = Date.now() - started;
    expect(report.pages).toBeGreaterThanOrEqual(1);
    // The apply is still blocked: polling did not wait for its slot.
    expect(await version(orderId)).toBe(1);
    expect(tookMs).toBeLessThan(30_000);

    await locker.rollback();
    await eventually(async () => (await version(orderId)) === 2, 90_000, 'the update');
  }, 240_000);

  it("runs the Schedule's poll workflow on the poll queue, also once an earlier Schedule is updated", async () => {
    const scheduleId = `${cfg.ORDERSYNC_SCHEDULE_ID}-queue`;
    const pollQueue = pollTaskQueue(cfg.ORDERSYNC_TASK_QUEUE);
    // A Schedule as an earlier release created it: the poll workflow on the main queue.
    await client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '1h' }] },
      action: {
        type: 'startWorkflow',
        workflowType: erpPollWorkflow,
        taskQueue: cfg.ORDERSYNC_TASK_QUEUE,
        workflowId: `${scheduleId}-run`,
      },
    });
    const handle = client.schedule.getHandle(scheduleId);
    try {
      const created = await upsertPollSchedule(client, {
        scheduleId,
        taskQueue: cfg.ORDERSYNC_TASK_QUEUE,
        everyMs: 3_600_000,
        catchupWindowMs: 60_000,
      });
      expect(created).toBe(false);
      const { action } = await handle.describe();
      expect(action.type === 'startWorkflow' && action.taskQueue).toBe(pollQueue);
      await handle.trigger();
      const run = await eventually(
        async () => {
          for await (const wf of client.workflow.list({
            query: `WorkflowType = "erpPollWorkflow" AND TaskQueue = "${pollQueue}" AND ExecutionStatus = "Completed"`,
          }))
            if (wf.workflowId.startsWith(`${scheduleId}-run`)) return wf;
          return undefined;
        },
        60_000,
        'the triggered poll to complete on the poll queue',
      );
      expect(run.taskQueue).toBe(pollQueue);
      // The Schedule now passes its interval: the run watched the change log after catching up.
      expect(action.type === 'startWorkflow' && action.args).toEqual([
        { activityTaskQueue: pollQueue, everyMs: 3_600_000 },
      ]);
      const report = (await client.workflow
        .getHandle(run.workflowId, run.runId)
        .result()) as PollReport;
      expect(report.rereads).toBeGreaterThan(0);
    } finally {
      await handle.delete().catch(() => undefined);
    }
  }, 120_000);
});
