/**
 * The seed article's design, as the benchmark's baseline: a plain kafkajs
 * consumer group (two members, partitions in parallel) that upserts each
 * message straight into MySQL. No workflow, no ledger, no version guard.
 * Every apply is logged so the oracle can count ordering violations.
 */
import type { Pool } from 'mysql2/promise';
import type { Kafka } from 'kafkajs';
import { loadConfig } from '../src/config';
import type { OrderEvent } from '../src/contracts/events';
import { orderEventSchema } from '../src/contracts/events';
import { createPool } from '../src/db/pool';
import { toSqlDateTime } from '../src/db/time';
import { createKafka } from '../src/kafka/client';
import { eventTopics, topicsFromConfig } from '../src/kafka/topics';

export const BASELINE_DDL = [
  `CREATE TABLE IF NOT EXISTS bench_baseline_orders (
     order_id VARCHAR(64) NOT NULL PRIMARY KEY, status VARCHAR(32) NOT NULL, \`lines\` JSON NOT NULL,
     currency CHAR(3) NOT NULL, total DECIMAL(20,4) NOT NULL, erp_version INT UNSIGNED NOT NULL,
     updated_at DATETIME(3) NOT NULL) ENGINE = InnoDB`,
  `CREATE TABLE IF NOT EXISTS bench_baseline_invoices (
     invoice_id VARCHAR(64) NOT NULL PRIMARY KEY, order_id VARCHAR(64) NOT NULL,
     amount DECIMAL(20,4) NOT NULL) ENGINE = InnoDB`,
  // Contract version 2 (as migration 011), for tables made before it.
  'ALTER TABLE bench_baseline_orders MODIFY status VARCHAR(32) NOT NULL, MODIFY total DECIMAL(20,4) NOT NULL',
  'ALTER TABLE bench_baseline_invoices MODIFY amount DECIMAL(20,4) NOT NULL',
  `CREATE TABLE IF NOT EXISTS bench_baseline_applies (
     seq BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, event_id VARCHAR(64) NOT NULL,
     order_id VARCHAR(64) NOT NULL, erp_version INT UNSIGNED NOT NULL, kafka_ts DATETIME(3) NOT NULL,
     applied_at DATETIME(3) NOT NULL, KEY (order_id, seq)) ENGINE = InnoDB`,
];

async function applyNaively(pool: Pool, e: OrderEvent, kafkaTs: string): Promise<void> {
  if (e.type === 'invoice_creation') {
    await pool.query(
      'INSERT IGNORE INTO bench_baseline_invoices (invoice_id, order_id, amount) VALUES (?, ?, ?)',
      [e.data.invoiceId, e.orderId, e.data.amount],
    );
  } else {
    // "Update if present, else create": last writer wins, as in the article.
    await pool.query(
      `INSERT INTO bench_baseline_orders (order_id, status, \`lines\`, currency, total, erp_version, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE status = VALUES(status), \`lines\` = VALUES(\`lines\`), currency = VALUES(currency),
         total = VALUES(total), erp_version = VALUES(erp_version), updated_at = VALUES(updated_at)`,
      [
        e.orderId,
        e.data.status,
        JSON.stringify(e.data.lines),
        e.data.currency,
        e.data.total,
        e.erpVersion,
        toSqlDateTime(e.occurredAt),
      ],
    );
  }
  await pool.query(
    'INSERT INTO bench_baseline_applies (event_id, order_id, erp_version, kafka_ts, applied_at) VALUES (?, ?, ?, ?, UTC_TIMESTAMP(3))',
    [e.eventId, e.orderId, e.erpVersion, kafkaTs],
  );
}

async function member(kafka: Kafka, pool: Pool, groupId: string, topics: string[]) {
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: 6,
    eachMessage: async ({ message }) => {
      const parsed = orderEventSchema.safeParse(JSON.parse(message.value?.toString() ?? 'null'));
      if (!parsed.success) return;
      await applyNaively(
        pool,
        parsed.data,
        toSqlDateTime(new Date(Number(message.timestamp)).toISOString()),
      );
    },
  });
  return consumer;
}

async function main() {
  const cfg = loadConfig();
  const groupId = process.argv[2];
  if (!groupId) throw new Error('usage: baseline-consumer.ts <groupId>');
  const pool = createPool(cfg.ORDERSYNC_MYSQL_URL, { connectionLimit: 12 });
  const kafka = createKafka(cfg, '-baseline');
  const topics = eventTopics(topicsFromConfig(cfg));
  const members = [
    await member(kafka, pool, groupId, topics),
    await member(kafka, pool, groupId, topics),
  ];
  await new Promise<void>((r) => {
    process.once('SIGTERM', r);
    process.once('SIGINT', r);
  });
  for (const m of members) await m.disconnect();
  await pool.end();
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
