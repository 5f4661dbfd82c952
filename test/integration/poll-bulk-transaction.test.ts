import type { PoolConnection, ResultSetHeader } from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { createPollActivities } from '../../activities/poll-erp';
import type { GapPolicy } from '../../src/erp/cursor';
import { MysqlErpSource } from '../../src/erp/mysql-source';
import { OutboxFeed } from '../../src/erp/outbox/outbox-feed';
import { pollGapsDropped, pollLateRows } from '../../src/observability/metrics';
import { testEnv } from '../support/env';
import { orderHistory, uniqueOrderId } from '../support/order-events';
import {
  caughtUpPollSuite,
  CHANGE_LOG_INSERT,
  changeLogRow,
  messagesOnEventTopics,
} from '../support/poll-fixture';

// Defect 1 of issue 30: an ERP job writes 20,000 change-log rows in one
// transaction; an ordinary order commits a row above them first. Against the
// real ERP tables, the real cursor row and a real broker.
const { cfg } = testEnv('poll-bulk');
const suite = caughtUpPollSuite(cfg);

/** `orders` orders of ten events each, inserted in one transaction left open on its own connection. */
async function openBulkTransaction(
  orders: number,
): Promise<{ conn: PoolConnection; ids: string[] }> {
  const events = Array.from({ length: orders }, () =>
    orderHistory(uniqueOrderId('BULK'), 8, 'online'),
  ).flat();
  const conn = await suite.writer.getConnection();
  await conn.query('START TRANSACTION');
  for (let i = 0; i < events.length; i += 1_000)
    await conn.query(CHANGE_LOG_INSERT, [events.slice(i, i + 1_000).map((e) => changeLogRow(e))]);
  return { conn, ids: events.map((e) => e.eventId) };
}

async function commitOneAbove(): Promise<number> {
  const [e] = orderHistory(uniqueOrderId('ABOVE'), 0, 'store');
  const [res] = await suite.writer.query<ResultSetHeader>(CHANGE_LOG_INSERT, [[changeLogRow(e!)]]);
  return res.insertId;
}

const messagesOnTopics = () => messagesOnEventTopics(suite.admin, cfg);

function poller(policy?: GapPolicy, late?: Array<{ seq: number; orderId: string }>) {
  return createPollActivities({
    feed: new OutboxFeed(
      new MysqlErpSource(suite.reader, policy),
      suite.cursors,
      cfg.ORDERSYNC_CURSOR_NAME,
    ),
    producer: suite.producer,
    pageSize: 500,
    budgetMs: 110_000,
    onLateRows: late ? (rows) => late.push(...rows) : undefined,
  }).pollErpToKafka;
}

describe('one ERP transaction of 20,000 rows committed after a later one', () => {
  it('produces all 20,001 events: the 20,000-sequence gap is one range, never capped', async () => {
    const before = await messagesOnTopics();
    const poll = poller();
    const bulk = await openBulkTransaction(2_000);
    try {
      const above = await commitOneAbove();
      const first = await poll();
      expect(first).toMatchObject({ produced: 1, position: above, gaps: 20_000, gapsDropped: 0 });
      const saved = await suite.cursors.load(cfg.ORDERSYNC_CURSOR_NAME);
      expect(saved.gaps).toEqual([
        { from: above - 20_000, to: above - 1, since: saved.gaps[0]!.since },
      ]);
      await bulk.conn.query('COMMIT');
    } finally {
      await bulk.conn.query('ROLLBACK').catch(() => undefined);
      bulk.conn.release();
    }
    const second = await poll();
    expect(second).toMatchObject({ produced: 20_000, gaps: 0, gapsDropped: 0, lateRows: 0 });
    expect((await messagesOnTopics()) - before).toBe(20_001);
    expect(await suite.cursors.load(cfg.ORDERSYNC_CURSOR_NAME)).toMatchObject({
      gaps: [],
      dropped: [],
    });
  }, 300_000);

  it('produces a transaction that commits after its gap expired, as late rows naming their orders', async () => {
    const before = await messagesOnTopics();
    const droppedBefore = (await pollGapsDropped.get()).values.find(
      (v) => v.labels.reason === 'expired',
    )!.value;
    const lateBefore = (await pollLateRows.get()).values[0]?.value ?? 0;
    const late: Array<{ seq: number; orderId: string }> = [];
    const poll = poller({ gapTtlMs: 500, lateWatchMs: 600_000 }, late);
    const bulk = await openBulkTransaction(30);
    try {
      await commitOneAbove();
      expect(await poll()).toMatchObject({ produced: 1, gaps: 300 });
      await new Promise((r) => setTimeout(r, 600));
      // The gap expires: counted, logged, and from now on watched for late rows.
      expect(await poll()).toMatchObject({ produced: 0, gaps: 0, gapsDropped: 300 });
      const dropped = (await pollGapsDropped.get()).values.find(
        (v) => v.labels.reason === 'expired',
      )!.value;
      expect(dropped - droppedBefore).toBe(300);
      await bulk.conn.query('COMMIT');
    } finally {
      await bulk.conn.query('ROLLBACK').catch(() => undefined);
      bulk.conn.release();
    }
    expect(await poll()).toMatchObject({ produced: 300, lateRows: 300 });
    expect((await messagesOnTopics()) - before).toBe(301);
    expect(new Set(late.map((r) => r.orderId)).size).toBe(30);
    expect(late.every((r) => r.orderId.startsWith('BULK'))).toBe(true);
    expect(((await pollLateRows.get()).values[0]?.value ?? 0) - lateBefore).toBe(300);
    expect(await suite.cursors.load(cfg.ORDERSYNC_CURSOR_NAME)).toMatchObject({
      gaps: [],
      dropped: [],
    });
  }, 120_000);
});
