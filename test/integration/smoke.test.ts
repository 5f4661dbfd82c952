import { randomUUID } from 'node:crypto';
import {
  Client,
  Connection,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
} from '@temporalio/client';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { createPool } from '../../src/db/pool';
import { eventually, testEnv } from '../support/env';
import { partitionFor } from '../support/murmur2';

// Proves each local server is the real thing. A server that is down fails these tests.
const { cfg, runId } = testEnv('smoke');

describe('Temporal dev server', () => {
  // Connected inside each test (not in beforeAll), so a server that is down
  // fails every test by name instead of leaving them reported as skipped.
  let client: Client | undefined;
  const connect = async (): Promise<Client> => {
    const connection = await Connection.connect({
      address: cfg.ORDERSYNC_TEMPORAL_ADDRESS,
      connectTimeout: '5s',
    });
    client = new Client({ connection, namespace: cfg.ORDERSYNC_TEMPORAL_NAMESPACE });
    return client;
  };
  afterEach(async () => {
    await client?.connection.close();
    client = undefined;
  });

  it('starts a workflow and finds it through the visibility List API', async () => {
    const client = await connect();
    const workflowId = `smoke-${randomUUID()}`;
    const handle = await client.workflow.start('smokeNoWorker', {
      workflowId,
      taskQueue: `smoke-${runId}`,
      args: [],
    });
    try {
      const found = await eventually(
        async () => {
          for await (const wf of client.workflow.list({ query: `WorkflowId = "${workflowId}"` }))
            return wf;
          return undefined;
        },
        30_000,
        'the workflow to be listed',
      );
      expect(found.workflowId).toBe(workflowId);
      expect(found.status.name).toBe('RUNNING');
    } finally {
      await handle.terminate('smoke test done');
    }
  });

  it('creates and deletes a Schedule', async () => {
    const client = await connect();
    const scheduleId = `smoke-${runId}`;
    const handle = await client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '1h' }] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
      action: { type: 'startWorkflow', workflowType: 'smokeNoWorker', taskQueue: `smoke-${runId}` },
    });
    const described = await handle.describe();
    expect(described.scheduleId).toBe(scheduleId);
    expect(described.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    await handle.delete();
    await expect(handle.describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
  });
});

describe('Kafka broker', () => {
  it('delivers a keyed message to the partition its key hashes to', async () => {
    const kafka = new Kafka({
      clientId: 'smoke',
      brokers: [...cfg.ORDERSYNC_KAFKA_BROKERS],
      logLevel: logLevel.NOTHING,
    });
    const topic = `t.${runId}.smoke`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 12 }] });
    const producer = kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    const key = `ORD-${randomUUID()}`;
    const [meta] = await producer.send({ topic, acks: -1, messages: [{ key, value: 'hello' }] });
    await producer.disconnect();
    expect(meta?.partition).toBe(partitionFor(key, 12));

    const consumer = kafka.consumer({ groupId: `smoke-${runId}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = await new Promise<{ partition: number; key: string; value: string }>(
      (resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no message within 30s')), 30_000);
        void consumer.run({
          eachMessage: async ({ partition, message }) => {
            clearTimeout(t);
            resolve({ partition, key: message.key!.toString(), value: message.value!.toString() });
          },
        });
      },
    );
    await consumer.disconnect();
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
    expect(received).toEqual({ partition: partitionFor(key, 12), key, value: 'hello' });
  });
});

describe('MySQL', () => {
  it('runs a transaction as the least-privilege application user', async () => {
    const pool = createPool(cfg.ORDERSYNC_MYSQL_URL, { connectionLimit: 1 });
    const conn = await pool.getConnection();
    try {
      const [who] = await conn.query('SELECT CURRENT_USER() AS u');
      expect(String((who as Array<{ u: string }>)[0]?.u)).toMatch(/^ordersync_app@/);
      await conn
        .query('CREATE TEMPORARY TABLE IF NOT EXISTS smoke_tx (v INT)')
        .catch(() => undefined);
      await conn.beginTransaction();
      const [res] = await conn.query('SELECT 1 + 1 AS two FOR UPDATE');
      await conn.commit();
      expect((res as Array<{ two: number }>)[0]?.two).toBe(2);
      // Least privilege: the app user may not change the schema.
      await expect(conn.query('CREATE TABLE smoke_forbidden (v INT)')).rejects.toThrow(/denied/i);
    } finally {
      conn.release();
      await pool.end();
    }
  });
});
