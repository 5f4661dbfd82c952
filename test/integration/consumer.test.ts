import type { Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEADERS } from '../../src/contracts/events';
import type { OrderEvent } from '../../src/contracts/events';
import type { ErpEvent } from '../../src/erp/source';
import { createKafka } from '../../src/kafka/client';
import { OrderEventConsumer } from '../../src/kafka/consumer';
import { EventProducer } from '../../src/kafka/producer';
import { ensureTopics, topicsFromConfig } from '../../src/kafka/topics';
import { eventually, testEnv } from '../support/env';
import { partitionFor } from '../support/murmur2';
import { orderHistory, uniqueOrderId } from '../support/order-events';

// The consumer transport against the real broker, with the Temporal hand-over
// replaced by a controllable function (the end-to-end suite covers the real one).
const { cfg } = testEnv('consumer');
const topics = topicsFromConfig(cfg);
let kafka: Kafka;
let admin: Admin;
let producer: EventProducer;

/** Sum of committed offsets over the given partitions (all when omitted). */
const committed = async (only?: number): Promise<bigint> => {
  const res = await admin.fetchOffsets({
    groupId: cfg.ORDERSYNC_CONSUMER_GROUP,
    topics: [topics.online],
  });
  return res[0]!.partitions
    .filter((p) => only === undefined || p.partition === only)
    .reduce((sum, p) => sum + (p.offset === '-1' ? 0n : BigInt(p.offset)), 0n);
};

const readAll = async (topic: string, expected: number) => {
  const consumer = kafka.consumer({ groupId: `reader-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const got: Array<{ key: string | null; headers: Record<string, string> }> = [];
  await consumer.run({
    eachMessage: async ({ message }) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
      got.push({ key: message.key?.toString() ?? null, headers });
    },
  });
  await eventually(async () => got.length >= expected, 30_000, `${expected} messages on ${topic}`);
  await consumer.disconnect();
  return got;
};

beforeAll(async () => {
  kafka = createKafka(cfg, '-test');
  admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, topics, cfg.ORDERSYNC_TOPIC_PARTITIONS);
  producer = new EventProducer(kafka, topics);
  await producer.connect();
});
afterAll(async () => {
  await producer?.disconnect();
  await admin
    ?.deleteTopics({ topics: [topics.online, topics.store, topics.international, topics.dlq] })
    .catch(() => undefined);
  await admin?.disconnect();
});

describe('OrderEventConsumer on Kafka', () => {
  it('routes bad messages to the DLQ with a reason, hands valid ones over in order, and commits only after the hand-over', async () => {
    const orderId = uniqueOrderId();
    const events = orderHistory(orderId, 2);
    const raw = kafka.producer();
    await raw.connect();
    await raw.send({
      topic: topics.online,
      messages: [
        ...events.map((e) => ({ key: orderId, value: JSON.stringify(e) })),
        { key: orderId, value: '{not json' },
        { key: 'someone-else', value: JSON.stringify(events[0]) },
        { key: orderId, value: JSON.stringify({ ...events[0], erpVersion: 0 }) },
      ],
    });
    await raw.disconnect();

    let open = false;
    let attempts = 0;
    const handed: OrderEvent[][] = [];
    const consumer = new OrderEventConsumer(
      kafka,
      topics,
      producer,
      async (_orderId, evs) => {
        attempts++;
        if (!open) throw new Error('Temporal unreachable');
        handed.push(evs);
      },
      {
        groupId: cfg.ORDERSYNC_CONSUMER_GROUP,
        maxMessageBytes: 64 * 1024,
        signalConcurrency: 4,
        partitionsConcurrently: 2,
      },
    );
    await consumer.start();
    try {
      await eventually(async () => attempts >= 3, 30_000, 'hand-over retries');
      // Temporal is "down": nothing of the order's partition may be committed, and the member keeps retrying.
      expect(await committed(partitionFor(orderId, cfg.ORDERSYNC_TOPIC_PARTITIONS))).toBe(0n);
      expect(handed).toEqual([]);

      open = true;
      // Committed offsets are per partition; their sum is the number of messages produced.
      await eventually(
        async () => (await committed()) === 7n,
        30_000,
        'all seven offsets committed',
      );
      expect(handed.flat().map((e) => e.erpVersion)).toEqual([1, 2, 3, 4]);
      expect(handed.flat().map((e) => e.eventId)).toEqual(events.map((e) => e.eventId));
    } finally {
      await consumer.stop();
    }

    const dlq = await readAll(topics.dlq, 3);
    expect(dlq.map((m) => m.headers[HEADERS.dlqReason]).sort()).toEqual([
      'key-mismatch',
      'schema',
      'unparsable-json',
    ]);
    for (const m of dlq) {
      expect(m.headers[HEADERS.dlqTopic]).toBe(topics.online);
      expect(m.headers[HEADERS.dlqOffset]).toMatch(/^\d+$/);
      expect(m.headers[HEADERS.dlqDetail]?.length).toBeGreaterThan(0);
    }
    expect(consumer.stats).toMatchObject({ deadLettered: 3, handedOver: 4 });
  });

  it('dead-letters an ERP row it cannot produce, so one bad row never stops the poller', async () => {
    const orderId = uniqueOrderId();
    const [good] = orderHistory(orderId, 0);
    const bogus = {
      ...good!,
      eventId: `${good!.eventId}-x`,
      channel: 'pos-terminal',
    } as unknown as ErpEvent;
    const refused = await producer.sendEvents([
      { ...good!, seq: 1 },
      { ...bogus, seq: 2 },
    ]);
    expect(refused).toBe(1);
    const dlq = await readAll(topics.dlq, 4);
    const letter = dlq.find((m) => m.headers[HEADERS.dlqReason] === 'erp-row-unknown-channel');
    expect(letter?.headers[HEADERS.dlqOffset]).toBe('2');
    expect(letter?.key).toBe(orderId);
  });
});
