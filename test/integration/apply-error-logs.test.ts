import type { Client } from '@temporalio/client';
import { Runtime } from '@temporalio/worker';
import type { Worker } from '@temporalio/worker';
import type { Pool } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Activities } from '../../activities';
import { APPLY_POOL_OPTIONS, createApplyActivities } from '../../activities/apply-order-events';
import type { OrderEvent } from '../../src/contracts/events';
import { THIS_RELEASE_OPTIONS } from '../../src/contracts/workflow-types';
import { migrate } from '../../src/db/migrate';
import { SQL_DEFECT_ERROR } from '../../src/db/mysql-errors';
import { createPool } from '../../src/db/pool';
import { buildRootLogger, setRootLogger } from '../../src/log';
import { temporalLogger } from '../../src/observability/sdk-logs';
import { createTemporalClient } from '../../src/temporal/connection';
import { bundleWorkflows } from '../../src/temporal/workflow-bundle';
import { eventsSignal, orderSyncWorkflow, statusQuery } from '../../workflows/order-sync';
import { eventually, testEnv } from '../support/env';
import { orderHistory, uniqueOrderId } from '../support/order-events';
import { createTestWorker } from '../support/test-worker';

// Defect 10 of issue 30: MySQL's error messages quote the statement ("near
// '…'") and the duplicate value ("Duplicate entry '…'"); the SDK logs every
// failed activity attempt with its error. A worker in this process, with the
// real apply on the real MariaDB and every log line captured, meets both.
const { cfg, runId } = testEnv('apply-logs');
const taskQueue = `tq-${runId}`;
const MARKER = `marker.${runId}@example.test`;
const lines: string[] = [];
let client: Client;
let worker: Worker;
let running: Promise<void>;
const pools: Pool[] = [];

/**
 * A unique key over a value the apply inserts (not upserts) that a target's
 * own schema may hold unique: here the invoice number, for this suite's
 * numbers only (other suites share the table and reuse theirs).
 */
const NUMBER_KEY = 'invoices_test_number';
const dropNumberKey = async (pool: Pool) => {
  await pool.query(`ALTER TABLE invoices DROP INDEX IF EXISTS ${NUMBER_KEY}`);
  await pool.query('ALTER TABLE invoices DROP COLUMN IF EXISTS test_number');
};

/** An order's creation for a customer named `name` with the marker e-mail, and an invoice numbered with the marker. */
function orderWithMarker(orderId: string, name: string): OrderEvent[] {
  const [create, invoice] = orderHistory(orderId, 0) as [OrderEvent, OrderEvent];
  const data = create.data as { customer: object };
  const invoiceData = invoice.data as object;
  return [
    { ...create, data: { ...data, customer: { ...data.customer, name, email: MARKER } } },
    { ...invoice, data: { ...invoiceData, number: MARKER } },
  ] as OrderEvent[];
}

let migrator: Pool;
beforeAll(async () => {
  setRootLogger(
    buildRootLogger(
      { ...process.env, ORDERSYNC_LOG_FORMAT: 'json', ORDERSYNC_LOG_LEVEL: 'debug' },
      {
        write: (line: string) => lines.push(line),
      },
    ),
  );
  Runtime.install({ logger: temporalLogger() });
  migrator = createPool(cfg.ORDERSYNC_MYSQL_MIGRATE_URL!, { connectionLimit: 1 });
  await migrate(migrator);
  await dropNumberKey(migrator);
  await migrator.query(
    `ALTER TABLE invoices ADD COLUMN test_number VARCHAR(64)
       AS (IF(number LIKE 'marker.%@example.test', number, NULL)) VIRTUAL,
     ADD UNIQUE KEY ${NUMBER_KEY} (test_number)`,
  );
  const plain = createPool(cfg.ORDERSYNC_MYSQL_URL, APPLY_POOL_OPTIONS);
  // A session that got NO_BACKSLASH_ESCAPES after ordersync set its mode: the apply's statements no longer parse.
  const unparsable = createPool(cfg.ORDERSYNC_MYSQL_URL, APPLY_POOL_OPTIONS);
  unparsable.on('connection', (conn) => {
    (conn as unknown as { query(sql: string, cb: () => void): void }).query(
      "SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_BACKSLASH_ESCAPES')",
      () => undefined,
    );
  });
  pools.push(plain, unparsable);
  const applyPlain = createApplyActivities({ pool: plain }).applyOrderEvents;
  const applyUnparsable = createApplyActivities({ pool: unparsable }).applyOrderEvents;
  const activities: Partial<Activities> = {
    applyOrderEvents: (input) =>
      (input.orderId.startsWith('PARSE') ? applyUnparsable : applyPlain)(input),
  };
  client = await createTemporalClient(cfg);
  worker = await createTestWorker(cfg, taskQueue, { code: await bundleWorkflows() }, activities);
  running = worker.run();
  // The order that already holds the invoice number, applied directly.
  const first = uniqueOrderId('FIRST');
  await applyPlain({ orderId: first, events: orderWithMarker(first, 'First Holder') });
}, 180_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await client?.connection.close();
  await Promise.all(pools.map((p) => p.end()));
  if (migrator) {
    await dropNumberKey(migrator);
    await migrator.end();
  }
});

const deliver = (orderId: string, events: OrderEvent[]) =>
  client.workflow.signalWithStart(orderSyncWorkflow, {
    workflowId: orderId,
    taskQueue,
    args: [{ orderId, channel: 'online', options: THIS_RELEASE_OPTIONS }],
    signal: eventsSignal,
    signalArgs: [events],
  });

describe('apply errors in the logs', () => {
  it('a parse error and a duplicate key carrying a customer e-mail: no log line holds it', async () => {
    const parse = uniqueOrderId('PARSE');
    const dup = uniqueOrderId('DUP');
    await deliver(parse, orderWithMarker(parse, "Siobhan O'Brien"));
    await deliver(dup, orderWithMarker(dup, 'Second Holder'));
    try {
      // Each failed attempt is logged by the SDK with its error: the duplicate
      // key retries (transient), the parse error fails its attempt too.
      const failed = (code: string) =>
        lines.filter((l) => l.includes('Activity failed') && l.includes(code)).length;
      await eventually(
        async () => failed('ER_DUP_ENTRY') >= 2 && failed('ER_PARSE_ERROR') >= 1,
        60_000,
        'failed apply attempts of both orders in the log',
      );
      const leaking = () => lines.filter((l) => l.includes(MARKER) || l.includes("O'Brien"));
      expect(leaking(), leaking().join('\n')).toEqual([]);
      expect(lines.some((l) => l.includes("Duplicate entry '…' for key"))).toBe(true);
      // The parse error blocks its order, with the reason.
      const blocked = await eventually(
        async () => {
          const s = await client.workflow.getHandle(parse).query(statusQuery);
          return s.state === 'blocked' ? s : undefined;
        },
        60_000,
        'the order with the unparsable statement to block',
      );
      expect(blocked.lastError).toContain(SQL_DEFECT_ERROR);
      expect(blocked.lastError).toContain('ER_PARSE_ERROR');
      expect(blocked.lastError).not.toContain(MARKER);
      expect(leaking(), leaking().join('\n')).toEqual([]);
    } finally {
      for (const id of [parse, dup])
        await client.workflow
          .getHandle(id)
          .terminate('test over')
          .catch(() => undefined);
    }
  }, 180_000);
});
