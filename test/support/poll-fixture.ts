import type { Admin, Kafka } from 'kafkajs';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { Config } from '../../src/config';
import { CursorRepository } from '../../src/db/cursor-repository';
import { migrate } from '../../src/db/migrate';
import { createPool } from '../../src/db/pool';
import { initErpSchema } from '../../src/erp/simulator';
import { createKafka } from '../../src/kafka/client';
import { EventProducer } from '../../src/kafka/producer';
import { eventTopics, topicsFromConfig } from '../../src/kafka/topics';

/** What a test of the poll activity needs: the ERP's writer and reader, the app database, Kafka. */
export interface PollFixture {
  kafka: Kafka;
  admin: Admin;
  /** The ERP owner's account: writes change-log rows. */
  writer: Pool;
  /** The read-only ERP account the poll uses. */
  reader: Pool;
  /** The app database (cursor, ledger). */
  app: Pool;
}

/** Migrates the app database, creates the ERP's tables and connects; close with `closePollFixture`. */
export async function openPollFixture(cfg: Config): Promise<PollFixture> {
  const kafka = createKafka(cfg, '-test');
  const admin = kafka.admin();
  await admin.connect();
  const migrator = createPool(cfg.ORDERSYNC_MYSQL_MIGRATE_URL!, { connectionLimit: 1 });
  await migrate(migrator);
  await migrator.end();
  const writer = createPool(cfg.ORDERSYNC_ERP_WRITER_URL!, { connectionLimit: 2 });
  await initErpSchema(writer);
  return {
    kafka,
    admin,
    writer,
    reader: createPool(cfg.ORDERSYNC_ERP_URL, { connectionLimit: 2 }),
    app: createPool(cfg.ORDERSYNC_MYSQL_URL, { connectionLimit: 2 }),
  };
}

/** Deletes `topics`, then disconnects and ends every pool. */
export async function closePollFixture(
  f: PollFixture | undefined,
  topics: string[],
): Promise<void> {
  if (!f) return;
  await f.admin.deleteTopics({ topics }).catch(() => undefined);
  await f.admin.disconnect();
  await Promise.all([f.writer.end(), f.reader.end(), f.app.end()]);
}

/** Change-log rows as one multi-row insert: pass `[rows]`, each from `changeLogRow`. */
export const CHANGE_LOG_INSERT = `INSERT INTO order_events
  (event_id, order_id, channel, type, version, occurred_at, payload) VALUES ?`;

// In order-events.ts, which benches import too: this file needs vitest.
export { changeLogRow } from './order-events';

/** Messages on the three channel topics together. */
export async function messagesOnEventTopics(admin: Admin, cfg: Config): Promise<number> {
  let n = 0;
  for (const topic of eventTopics(topicsFromConfig(cfg)))
    for (const p of await admin.fetchTopicOffsets(topic)) n += Number(p.high) - Number(p.low);
  return n;
}

/** What a caught-up poll suite has once its `beforeAll` ran. */
export interface PollSuite extends PollFixture {
  cursors: CursorRepository;
  /** Connected, so the suite's topics exist. */
  producer: EventProducer;
}

/**
 * Registers a suite's hooks: the fixture and a producer (which creates the
 * topics, 3 partitions each) before all; before each test, the cursor at the
 * change log's end with no gaps; everything closed after all. Read the
 * fields inside tests, once `beforeAll` has run.
 */
export function caughtUpPollSuite(cfg: Config): PollSuite {
  const topics = topicsFromConfig(cfg);
  const suite = {} as PollSuite;
  let fixture: PollFixture | undefined;
  beforeAll(async () => {
    fixture = await openPollFixture(cfg);
    Object.assign(suite, fixture, {
      cursors: new CursorRepository(fixture.app),
      producer: new EventProducer(fixture.kafka, topics, { createTopicsWithPartitions: 3 }),
    });
    await suite.producer.connect();
  });
  afterAll(async () => {
    await suite.producer?.disconnect();
    await closePollFixture(fixture, [...eventTopics(topics), topics.dlq]);
  });
  beforeEach(async () => {
    const [rows] = await suite.reader.query<RowDataPacket[]>(
      'SELECT COALESCE(MAX(seq), 0) AS s FROM order_events',
    );
    await suite.cursors.save(cfg.ORDERSYNC_CURSOR_NAME, { position: Number(rows[0]!.s), gaps: [] });
  });
  return suite;
}
