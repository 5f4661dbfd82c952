import type { ChildProcess } from 'node:child_process';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProcess, stopProcess } from '../../src/cli/demo';
import { CursorRepository } from '../../src/db/cursor-repository';
import { migrate } from '../../src/db/migrate';
import { createPool } from '../../src/db/pool';
import { MysqlErpSource } from '../../src/erp/mysql-source';
import { initErpSchema, simulate } from '../../src/erp/simulator';
import { createKafka } from '../../src/kafka/client';
import { EventProducer } from '../../src/kafka/producer';
import { ensureTopics, topicsFromConfig } from '../../src/kafka/topics';
import { createTemporalClient } from '../../src/temporal/connection';
import { upsertPollSchedule } from '../../src/temporal/schedule';
import { verify } from '../../src/verify';
import { eventually, testEnv } from '../support/env';

// simulator → Schedule → poll → Kafka → two consumers and two workers, each its
// own process → MySQL. Out-of-order ERP commits and duplicate delivery included.
const { cfg, env, runId } = testEnv('e2e');
const prefix = `E2E-${runId}`;
let writer: Pool;
let reader: Pool;
let app: Pool;
let client: Client;
const children: ChildProcess[] = [];

beforeAll(async () => {
  const migrator = createPool(cfg.ORDERSYNC_MYSQL_MIGRATE_URL!, { connectionLimit: 1 });
  await migrate(migrator);
  await migrator.end();
  writer = createPool(cfg.ORDERSYNC_ERP_WRITER_URL!, { connectionLimit: 8 });
  reader = createPool(cfg.ORDERSYNC_ERP_MYSQL_URL, { connectionLimit: 2 });
  app = createPool(cfg.ORDERSYNC_MYSQL_URL, { connectionLimit: 2 });
  await initErpSchema(writer);
  // Start this run's cursor at the current end of the shared test change log.
  const [rows] = await reader.query<RowDataPacket[]>(
    'SELECT COALESCE(MAX(seq), 0) AS s FROM order_events',
  );
  await new CursorRepository(app).save(cfg.ORDERSYNC_CURSOR_NAME, {
    position: Number(rows[0]!.s),
    gaps: [],
  });

  const kafka = createKafka(cfg, '-e2e');
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, topicsFromConfig(cfg), cfg.ORDERSYNC_TOPIC_PARTITIONS);
  await admin.disconnect();

  for (const role of ['worker', 'worker', 'consumer', 'consumer'])
    children.push(startProcess(role, [], env));
  client = await createTemporalClient(cfg);
  await upsertPollSchedule(client, {
    scheduleId: cfg.ORDERSYNC_SCHEDULE_ID,
    taskQueue: cfg.ORDERSYNC_TASK_QUEUE,
    everyMs: 1000,
    catchupWindowMs: 60_000,
  });
});

afterAll(async () => {
  await client?.schedule
    .getHandle(cfg.ORDERSYNC_SCHEDULE_ID)
    .delete()
    .catch(() => undefined);
  await Promise.all(children.map(stopProcess));
  await client?.connection.close();
  await Promise.all([writer?.end(), reader?.end(), app?.end()]);
});

describe('the whole pipeline, real servers, separate processes', () => {
  it('brings every order to the ERP state, in version order, each event with one effect', async () => {
    const sim = await simulate(writer, {
      orders: 120,
      prefix,
      concurrency: 6,
      lateCommitProbability: 0.3,
      lateCommitMs: 400,
    });
    expect(sim.events).toBeGreaterThanOrEqual(240);

    // Duplicate delivery: produce every event of the first 30 orders a second time.
    const kafka = createKafka(cfg, '-e2e-dup');
    const producer = new EventProducer(kafka, topicsFromConfig(cfg));
    await producer.connect();
    const erp = new MysqlErpSource(reader);
    for (const orderId of sim.orderIds.slice(0, 30))
      await producer.sendEvents(await erp.fetchOrderEvents(orderId, 1));
    await producer.disconnect();

    const report = await eventually(
      async () => {
        for (const c of children)
          if (c.exitCode !== null) throw new Error(`a child process exited with ${c.exitCode}`);
        const r = await verify(reader, app, prefix);
        return r.unaccounted === 0 && r.mismatched.length === 0 ? r : undefined;
      },
      240_000,
      'the target to equal the ERP',
    );
    expect(report.orders).toBe(120);
    expect(report.matching).toBe(120);
    expect(report.duplicates).toBe(0);
    expect(report.orderingViolations).toBe(0);
    expect(report.appliedEvents + report.skippedEvents).toBe(sim.events);
    expect(report.appliedEvents).toBe(sim.events); // no re-delivery may have reached MySQL as a second effect
  }, 300_000);
});
