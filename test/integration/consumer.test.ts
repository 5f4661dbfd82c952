import type { Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderEvent } from '../../src/contracts/events';
import { HEADERS } from '../../src/contracts/topics';
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

/** Committed offsets of the online topic by partition (0 where nothing is committed), in one request. */
const committedOffsets = async (): Promise<Map<number, bigint>> => {
  const res = await admin.fetchOffsets({
    groupId: cfg.ORDERSYNC_CONSUMER_GROUP,
    topics: [topics.online],
  });
  return new Map(
    res[0]!.partitions.map((p) => [p.partition, p.offset === '-1' ? 0n : BigInt(p.offset)]),
  );
};

const committed = async (partition: number): Promise<bigint> =>
  (await committedOffsets()).get(partition) ?? 0n;

/** Partitions of the online topic whose committed offset is behind the log end. */
const uncommitted = async (): Promise<string[]> => {
  const [ends, offsets] = await Promise.all([
    admin.fetchTopicOffsets(topics.online),
    committedOffsets(),
  ]);
  return ends.flatMap((e) => {
    const c = offsets.get(e.partition) ?? 0n;
    return c === BigInt(e.high) ? [] : [`${e.partition}: committed ${c} of ${e.high}`];
  });
};

/** Messages on the online topic, summed over its partitions. */
const logSize = async (): Promise<bigint> =>
  (await admin.fetchTopicOffsets(topics.online)).reduce(
    (sum, e) => sum + BigInt(e.high) - BigInt(e.low),
    0n,
  );

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
    // Idempotent, so a retried produce (a fresh broker can answer "not the leader")
    // cannot write a second copy of the partitions that already succeeded.
    const raw = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
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
    expect(await logSize()).toBe(7n);

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
      let behind: string[] = [];
      await eventually(
        async () => (behind = await uncommitted()).length === 0,
        30_000,
        'every partition committed to its log end',
      ).catch((err: Error) => {
        throw new Error(`${err.message} (behind: ${behind.join(', ')})`);
      });
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
  }, 120_000);

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

  it('gives its batches up when the group rebalances during a Temporal outage, so a joining member is not kept waiting', async () => {
    const mine = new Set(Array.from({ length: 24 }, () => uniqueOrderId('R')));
    const events = [...mine].flatMap((id) => orderHistory(id, 1, 'store'));
    await producer.sendEvents(events.map((e, i) => ({ ...e, seq: i + 1 })));

    const options = {
      groupId: `${cfg.ORDERSYNC_CONSUMER_GROUP}-rebalance`,
      maxMessageBytes: 64 * 1024,
      signalConcurrency: 4,
      partitionsConcurrently: 2,
    };
    let aOpen = false;
    let aAttempts = 0;
    const handedA: OrderEvent[] = [];
    const handedB: OrderEvent[] = [];
    const keepMine = (into: OrderEvent[], evs: OrderEvent[]) =>
      into.push(...evs.filter((e) => mine.has(e.orderId)));
    const a = new OrderEventConsumer(
      kafka,
      topics,
      producer,
      async (_id, evs) => {
        aAttempts++;
        if (!aOpen) throw new Error('Temporal unreachable');
        keepMine(handedA, evs);
      },
      options,
    );
    const b = new OrderEventConsumer(
      kafka,
      topics,
      producer,
      async (_id, evs) => {
        keepMine(handedB, evs);
      },
      options,
    );
    await a.start();
    try {
      await eventually(async () => aAttempts >= 2, 30_000, 'member A failing its hand-overs');
      // B's join completes only once A rejoins. Holding on until Temporal came back
      // would keep the whole group waiting for the 60 s rebalance timeout.
      await b.start();
      await eventually(
        async () => handedB.length > 0,
        30_000,
        'member B handing over while A still cannot',
      );
      expect(handedA).toEqual([]);

      aOpen = true;
      const wanted = new Set(events.map((e) => e.eventId));
      await eventually(
        async () => {
          for (const e of [...handedA, ...handedB]) wanted.delete(e.eventId);
          return wanted.size === 0;
        },
        30_000,
        'every event handed over by one member or the other',
      );
      // Each member hands an order's events over in version order.
      for (const handed of [handedA, handedB]) {
        for (const id of mine) {
          const versions = handed.filter((e) => e.orderId === id).map((e) => e.erpVersion);
          expect(versions).toEqual([...versions].sort((x, y) => x - y));
        }
      }
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  }, 120_000);

  it('dead-letters events a blocked order cannot hold, with the reason and their channel topic as source', async () => {
    const orderId = uniqueOrderId();
    const [event] = orderHistory(orderId, 0, 'store');
    const before = (await admin.fetchTopicOffsets(topics.dlq)).reduce(
      (n, p) => n + Number(p.high),
      0,
    );
    await producer.deadLetterEvents([event!], 'blocked-order-overflow', 'queue full');
    const dlq = await readAll(topics.dlq, before + 1);
    const letter = dlq.find((m) => m.key === orderId);
    expect(letter?.headers[HEADERS.dlqReason]).toBe('blocked-order-overflow');
    // `ordersync dlq replay` sends a letter back to this topic, through the consumer.
    expect(letter?.headers[HEADERS.dlqTopic]).toBe(topics.store);
    expect(letter?.headers[HEADERS.dlqDetail]).toContain(event!.eventId);
  });
});
