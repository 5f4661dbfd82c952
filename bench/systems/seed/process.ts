/**
 * The seed article's systems as processes, started by the chaos harness:
 *
 *   process.ts poller     the article's poller: every second, read the ERP change
 *                         log with a plain high-water mark (`seq > last`) and
 *                         produce each event, key = order id, to its channel's
 *                         topic; save the mark after the send.
 *   process.ts consumer   one member of the article's consumer group: upsert each
 *                         message (apply.ts), then commit its offset.
 *   process.ts old        the article's "old architecture": the same poller hands
 *                         each batch to a pool of processors that take any event,
 *                         with no key affinity; the mark is saved when the batch is done.
 *
 * Settings come from the ordersync environment (servers, credentials) plus
 * SEED_SYSTEM (seed|old), SEED_SCOPE (order-id prefix this run reads),
 * SEED_TOPIC_PREFIX, SEED_GROUP, SEED_CURSOR, SEED_PROCESSORS (old: pool size,
 * default 8). ORDERSYNC_CHAOS_FAULT arms src/chaos-hooks.ts: the seed's
 * "signal" is its write, so `consumer-before-signal` fires before the write
 * and `consumer-after-signal` after the write, before the commit (or, in the
 * old architecture, before the mark is saved).
 */
import type { Producer } from 'kafkajs';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { faultPoint } from '../../../src/chaos-hooks';
import { loadConfig } from '../../../src/config';
import { CHANNELS, orderEventSchema } from '../../../src/contracts/events';
import type { Channel, OrderEvent } from '../../../src/contracts/events';
import { jsonColumn } from '../../../src/db/json-column';
import { createPool } from '../../../src/db/pool';
import { fromSqlDateTime } from '../../../src/db/time';
import { createKafka } from '../../../src/kafka/client';
import { applyNaively } from './apply';
import { SEED_SYSTEMS, seedTables } from './schema';
import type { SeedSystem } from './schema';

const POLL_MS = 1000;
const BATCH = 500;

function need(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
}

const log = (msg: string) => process.stderr.write(`[seed ${process.argv[2]}] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The seed's topic for a channel: its own names, never ordersync's. */
export const seedTopic = (topicPrefix: string, channel: Channel) => `${topicPrefix}.${channel}`;

interface EventRow extends RowDataPacket {
  seq: string | number;
  event_id: string;
  order_id: string;
  channel: string;
  type: string;
  version: number;
  occurred_at: string;
  payload: unknown;
}

async function readMark(app: Pool, table: string, name: string): Promise<number> {
  const [r] = await app.query<RowDataPacket[]>(`SELECT position FROM ${table} WHERE name = ?`, [
    name,
  ]);
  if (!r[0]) throw new Error(`no high-water mark "${name}" in ${table}`);
  return Number(r[0].position);
}

/** The next events above the mark, in sequence order, as the wire shape ordersync also produces. */
async function fetchAbove(erp: Pool, scope: string, last: number) {
  const [rows] = await erp.query<EventRow[]>(
    `SELECT seq, event_id, order_id, channel, type, version, occurred_at, payload
     FROM order_events WHERE seq > ? AND order_id LIKE ? ORDER BY seq LIMIT ?`,
    [last, `${scope}%`, BATCH],
  );
  return rows.map((r) => ({
    seq: Number(r.seq),
    event: {
      eventId: r.event_id,
      orderId: r.order_id,
      channel: r.channel,
      type: r.type,
      erpVersion: Number(r.version),
      occurredAt: fromSqlDateTime(r.occurred_at),
      data: jsonColumn<unknown>(r.payload),
    },
  }));
}

/** The high-water-mark loop shared by both systems: fetch, hand over, then save the mark. */
async function pollLoop(
  erp: Pool,
  app: Pool,
  system: SeedSystem,
  handOver: (events: Array<Record<string, unknown>>) => Promise<void>,
  stopped: () => boolean,
) {
  const t = seedTables(system);
  const scope = need('SEED_SCOPE');
  const name = need('SEED_CURSOR');
  while (!stopped()) {
    let full = false;
    try {
      const last = await readMark(app, t.cursor, name);
      const batch = await fetchAbove(erp, scope, last);
      if (batch.length > 0) {
        await handOver(batch.map((b) => b.event));
        await app.query(`UPDATE ${t.cursor} SET position = ? WHERE name = ?`, [
          batch[batch.length - 1]!.seq,
          name,
        ]);
      }
      full = batch.length === BATCH;
    } catch (err) {
      log(`poll failed, retrying: ${(err as Error).message}`);
    }
    if (!full) await sleep(POLL_MS);
  }
}

async function produceAll(producer: Producer, events: Array<Record<string, unknown>>) {
  const topicPrefix = need('SEED_TOPIC_PREFIX');
  await producer.sendBatch({
    topicMessages: CHANNELS.map((c) => ({
      topic: seedTopic(topicPrefix, c),
      messages: events
        .filter((e) => e.channel === c)
        .map((e) => ({ key: String(e.orderId), value: JSON.stringify(e) })),
    })).filter((tm) => tm.messages.length > 0),
  });
}

function parse(value: unknown): OrderEvent | undefined {
  const r = orderEventSchema.safeParse(value);
  if (!r.success) log(`skipping an invalid event: ${r.error.issues[0]?.message ?? 'invalid'}`);
  return r.success ? r.data : undefined;
}

async function main() {
  const role = process.argv[2];
  const system = (process.env.SEED_SYSTEM ?? 'seed') as SeedSystem;
  if (!SEED_SYSTEMS.includes(system))
    throw new Error(`SEED_SYSTEM must be one of ${SEED_SYSTEMS.join(', ')}`);
  const cfg = loadConfig();
  const t = seedTables(system);
  const app = createPool(cfg.ORDERSYNC_MYSQL_URL, { connectionLimit: 10 });
  const erp = createPool(cfg.ORDERSYNC_ERP_URL, { connectionLimit: 2 });
  let stopping = false;
  const stopped = new Promise<void>((r) => {
    const stop = () => {
      stopping = true;
      r();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  if (role === 'poller') {
    const producer = createKafka(cfg, `-seed-poller`).producer();
    await producer.connect();
    const loop = pollLoop(
      erp,
      app,
      system,
      (events) => produceAll(producer, events),
      () => stopping,
    );
    await stopped;
    await loop;
    await producer.disconnect();
  } else if (role === 'consumer') {
    const topicPrefix = need('SEED_TOPIC_PREFIX');
    const consumer = createKafka(cfg, `-seed-consumer`).consumer({ groupId: need('SEED_GROUP') });
    consumer.on(consumer.events.CRASH, (e) => {
      log(`consumer crashed: ${e.payload.error.message}`);
      if (!e.payload.restart) process.exit(1);
    });
    await consumer.connect();
    await consumer.subscribe({
      topics: CHANNELS.map((c) => seedTopic(topicPrefix, c)),
      fromBeginning: true,
    });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 3,
      eachMessage: async ({ topic, partition, message }) => {
        const e = parse(JSON.parse(message.value?.toString() ?? 'null'));
        if (e) {
          faultPoint('consumer-before-signal');
          await applyNaively(app, t, e);
          faultPoint('consumer-after-signal');
        }
        await consumer.commitOffsets([
          { topic, partition, offset: (BigInt(message.offset) + 1n).toString() },
        ]);
      },
    });
    await stopped;
    await consumer.disconnect();
  } else if (role === 'old') {
    const processors = Number(process.env.SEED_PROCESSORS ?? '8');
    const loop = pollLoop(
      erp,
      app,
      system,
      async (events) => {
        const queue = [...events];
        // Any free processor takes the next event, whatever its order.
        const done = await Promise.allSettled(
          Array.from({ length: processors }, async () => {
            for (let raw = queue.shift(); raw; raw = queue.shift()) {
              const e = parse(raw);
              if (!e) continue;
              faultPoint('consumer-before-signal');
              await applyNaively(app, t, e);
              faultPoint('consumer-after-signal');
            }
          }),
        );
        const failed = done.find((d) => d.status === 'rejected');
        if (failed?.status === 'rejected') throw failed.reason;
      },
      () => stopping,
    );
    await stopped;
    await loop;
  } else {
    throw new Error('usage: process.ts poller|consumer|old');
  }
  await Promise.all([app.end(), erp.end()]);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    log((err as Error).message);
    process.exit(1);
  });
}
