import type { Admin, Kafka } from 'kafkajs';
import type { Pool } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forScreen } from '../../src/cli/dlq';
import { migrate } from '../../src/db/migrate';
import { createPool } from '../../src/db/pool';
import { createKafka } from '../../src/kafka/client';
import { replayDlq } from '../../src/kafka/dlq-replay';
import type { DeadLetter } from '../../src/kafka/producer';
import { ERP_SOURCE_TOPIC } from '../../src/contracts/topics';
import { EventProducer } from '../../src/kafka/producer';
import { ensureTopics, topicsFromConfig } from '../../src/kafka/topics';
import { testEnv } from '../support/env';
import { orderHistory, uniqueOrderId } from '../support/order-events';

// Defect 11 of issue 8: `dlq replay` re-sent everything on every run and
// aborted at letters whose source is the ERP change log.
const { cfg } = testEnv('dlq-replay');
const topics = topicsFromConfig(cfg);
let kafka: Kafka;
let admin: Admin;
let producer: EventProducer;
let pool: Pool;

beforeAll(async () => {
  const migrator = createPool(cfg.ORDERSYNC_MYSQL_MIGRATE_URL!, { connectionLimit: 1 });
  await migrate(migrator);
  await migrator.end();
  pool = createPool(cfg.ORDERSYNC_MYSQL_URL, { connectionLimit: 2 });
  kafka = createKafka(cfg, '-test');
  admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, topics, 3);
  producer = new EventProducer(kafka, topics);
  await producer.connect();
});

afterAll(async () => {
  await producer?.disconnect();
  await admin
    ?.deleteTopics({ topics: [topics.online, topics.store, topics.international, topics.dlq] })
    .catch(() => undefined);
  await admin?.disconnect();
  await pool?.end();
});

const onTopic = async (topic: string): Promise<number> =>
  (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0);

/** A letter as the consumer writes it for a message it refused on `sourceTopic`. */
function letter(value: string, key: string, sourceTopic: string, reason: string): DeadLetter {
  return {
    key: Buffer.from(key),
    value: Buffer.from(value),
    reason,
    detail: 'test',
    sourceTopic,
    sourcePartition: 0,
    sourceOffset: '7',
  };
}

describe('dlq replay on Kafka', () => {
  it('sends each letter once across runs, skips ERP-row letters, and does not resend one that came back', async () => {
    const a = uniqueOrderId('DLQ');
    const b = uniqueOrderId('DLQ');
    const [ea] = orderHistory(a, 0, 'online');
    const [eb] = orderHistory(b, 0, 'store');
    const broken = '{"eventId": "x", "orderId": "broken"';
    await producer.sendDeadLetters([
      letter(JSON.stringify(ea), a, topics.online, 'schema'),
      letter(JSON.stringify(eb), b, topics.store, 'key-mismatch'),
      letter(JSON.stringify(ea), a, ERP_SOURCE_TOPIC, 'erp-row-unknown-channel'),
      letter(broken, 'broken', topics.online, 'unparsable-json'),
    ]);
    const deps = { kafka, pool, topics };

    // A filtered run first: it must not mark the other reasons as done.
    const schemaOnly = await replayDlq(deps, { reason: 'schema' });
    expect(schemaOnly).toMatchObject({ matched: 1, replayed: 1 });

    const dry = await replayDlq(deps, { dryRun: true });
    expect(dry).toMatchObject({ matched: 4, replayed: 2 });
    expect(await onTopic(topics.online)).toBe(1);

    const first = await replayDlq(deps);
    expect(first.replayed).toBe(2);
    expect(first.skipped).toEqual({
      'already-replayed': 1,
      'refused-again': 0,
      'no-channel-topic': 1,
      truncated: 0,
    });
    expect(first.byTopic).toEqual({ [topics.online]: 1, [topics.store]: 1 });
    expect(await onTopic(topics.online)).toBe(2);
    expect(await onTopic(topics.store)).toBe(1);

    // The consumer refuses the broken message again and dead-letters it anew.
    await producer.sendDeadLetters([letter(broken, 'broken', topics.online, 'unparsable-json')]);

    const second = await replayDlq(deps);
    expect(second.replayed).toBe(0);
    expect(second.skipped).toEqual({
      'already-replayed': 3,
      'refused-again': 1,
      'no-channel-topic': 1,
      truncated: 0,
    });
    expect(await onTopic(topics.online)).toBe(2);
    expect(await onTopic(topics.store)).toBe(1);

    // After a consumer fix, --again sends the returned one, once.
    const again = await replayDlq(deps, { again: true });
    expect(again.replayed).toBe(1);
    expect(await onTopic(topics.online)).toBe(3);
    expect((await replayDlq(deps, { again: true })).replayed).toBe(0);
  }, 120_000);
});

describe('dlq list on screen', () => {
  it('shortens a long key and escapes control characters', () => {
    const key = 'K'.repeat(5_000);
    expect(forScreen(key)).toBe(`${'K'.repeat(80)}…(+4920)`);
    expect(forScreen('a\u001b[31mb\nc')).toBe('a\\u001b[31mb\\nc');
    expect(forScreen('short')).toBe('short');
  });
});
