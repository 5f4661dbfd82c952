import type { Admin, Kafka } from 'kafkajs';
import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPollActivities } from '../../activities/poll-erp';
import type { OrderEvent } from '../../src/contracts/events';
import { HEADERS } from '../../src/contracts/topics';
import { CursorRepository } from '../../src/db/cursor-repository';
import { MysqlErpSource } from '../../src/erp/mysql-source';
import { OutboxFeed } from '../../src/erp/outbox/outbox-feed';
import { EventProducer } from '../../src/kafka/producer';
import { eventTopics, topicsFromConfig } from '../../src/kafka/topics';
import { eventually, testEnv } from '../support/env';
import {
  CHANGE_LOG_INSERT,
  changeLogRow,
  closePollFixture,
  openPollFixture,
} from '../support/poll-fixture';
import type { PollFixture } from '../support/poll-fixture';
import { orderHistory, uniqueOrderId } from '../support/order-events';

// Defect 2 of issue 8: topics someone else created keep the broker's ~1 MB
// limit, which the broker applies to a partition's whole record batch.
const { cfg } = testEnv('poll-large');
const topics = topicsFromConfig(cfg);
const ONE_MIB = 1_048_576;
let kafka: Kafka;
let admin: Admin;
let writer: Pool;
let reader: Pool;
let app: Pool;
let fixture: PollFixture | undefined;

beforeAll(async () => {
  fixture = await openPollFixture(cfg);
  ({ kafka, admin, writer, reader, app } = fixture);
  await admin.createTopics({
    waitForLeaders: true,
    topics: [...eventTopics(topics), topics.dlq].map((topic) => ({
      topic,
      numPartitions: 3,
      replicationFactor: -1,
      configEntries: [{ name: 'max.message.bytes', value: String(ONE_MIB) }],
    })),
  });
});

afterAll(() => closePollFixture(fixture, [...eventTopics(topics), topics.dlq]));

/** Writes events to the test ERP's change log, each padded to about `padBytes`; returns their seqs. */
async function writeRows(events: OrderEvent[], padBytes: number): Promise<number[]> {
  const seqs: number[] = [];
  for (const e of events) {
    const payload = { ...e.data, padding: 'p'.repeat(padBytes) };
    const [res] = await writer.query<ResultSetHeader>(CHANGE_LOG_INSERT, [
      [changeLogRow(e, payload)],
    ]);
    seqs.push(res.insertId);
  }
  return seqs;
}

const messagesOn = async (topic: string): Promise<number> =>
  (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0);

async function readTopic(topic: string, expected: number) {
  const consumer = kafka.consumer({ groupId: `reader-${Date.now()}-${Math.random()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const got: Array<{ key: string; value: Buffer; headers: Record<string, string> }> = [];
  await consumer.run({
    eachMessage: async ({ message }) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
      got.push({ key: String(message.key), value: message.value!, headers });
    },
  });
  await eventually(async () => got.length >= expected, 30_000, `${expected} messages on ${topic}`);
  await consumer.disconnect();
  return got;
}

describe('poll into topics with max.message.bytes = 1 MiB', () => {
  it('splits a page whose rows for one partition exceed the limit, dead-letters a row too large alone, and advances', async () => {
    const [before] = await reader.query<RowDataPacket[]>(
      'SELECT COALESCE(MAX(seq), 0) AS s FROM order_events',
    );
    const cursors = new CursorRepository(app);
    await cursors.save(cfg.ORDERSYNC_CURSOR_NAME, { position: Number(before[0]!.s), gaps: [] });

    // 30 rows of ~50 KB for one order (one partition): ~1.5 MB in one page.
    const hot = uniqueOrderId('BIG');
    const hotEvents = orderHistory(hot, 28, 'online');
    await writeRows(hotEvents, 50_000);
    // One row of ~1.5 MB: above the real limit, far below the assumed 8 MiB.
    const huge = uniqueOrderId('HUGE');
    const [hugeSeq] = await writeRows(orderHistory(huge, 0, 'store').slice(0, 1), 1_500_000);
    // A small row after it must still be produced.
    const after = uniqueOrderId('AFTER');
    const [lastSeq] = await writeRows(orderHistory(after, 0, 'store').slice(0, 1), 0);

    const producer = new EventProducer(kafka, topics);
    const { pollErpToKafka } = createPollActivities({
      feed: new OutboxFeed(new MysqlErpSource(reader), cursors, cfg.ORDERSYNC_CURSOR_NAME),
      producer,
      pageSize: 500,
      budgetMs: 20_000,
    });
    try {
      const report = await pollErpToKafka();
      expect(report).toMatchObject({ produced: 31, deadLettered: 1, position: lastSeq });
      expect(await messagesOn(topics.online)).toBe(30);
      expect(await messagesOn(topics.store)).toBe(1);

      // In order: one partition, versions 1..30.
      const online = await readTopic(topics.online, 30);
      expect(online.map((m) => (JSON.parse(m.value.toString()) as OrderEvent).erpVersion)).toEqual(
        hotEvents.map((e) => e.erpVersion),
      );

      const [letter] = await readTopic(topics.dlq, 1);
      expect(letter!.key).toBe(huge);
      expect(letter!.headers[HEADERS.dlqReason]).toBe('erp-row-oversized');
      expect(letter!.headers[HEADERS.dlqOffset]).toBe(String(hugeSeq));
      // The DLQ has the same 1 MiB limit: the letter is cut to fit, and says so.
      expect(Number(letter!.headers[HEADERS.dlqTruncatedFrom])).toBeGreaterThan(1_500_000);
      expect(letter!.value.length).toBeLessThan(ONE_MIB);

      // The next poll finds nothing left: the cursor is past the oversized row.
      const again = await pollErpToKafka();
      expect(again).toMatchObject({ produced: 0, deadLettered: 0, position: lastSeq });
      expect((await cursors.load(cfg.ORDERSYNC_CURSOR_NAME)).position).toBe(lastSeq);
    } finally {
      await producer.disconnect();
    }
  }, 120_000);

  it('reads the real limit of each topic when it connects', async () => {
    const producer = new EventProducer(kafka, topics);
    try {
      await producer.connect();
      for (const t of [...eventTopics(topics), topics.dlq])
        expect(producer.layoutOf(t)).toEqual({ maxMessageBytes: ONE_MIB, partitions: 3 });
    } finally {
      await producer.disconnect();
    }
  });
});
