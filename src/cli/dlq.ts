import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { Option } from 'commander';
import type { KafkaMessage } from 'kafkajs';
import type { Config } from '../config';
import { HEADERS } from '../contracts/events';
import { createKafka } from '../kafka/client';
import { topicsFromConfig } from '../kafka/topics';

export interface DlqEntry {
  partition: number;
  offset: string;
  message: KafkaMessage;
}

const header = (m: KafkaMessage, name: string) => m.headers?.[name]?.toString() ?? '';

/** Reads the whole DLQ as it is now, without joining the consumer group or committing anything. */
export async function readDlq(cfg: Config): Promise<DlqEntry[]> {
  const kafka = createKafka(cfg, '-dlq-reader');
  const topic = topicsFromConfig(cfg).dlq;
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(
    ends.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]),
  );
  const out: DlqEntry[] = [];
  if (remaining.size === 0) return out;
  const consumer = kafka.consumer({
    groupId: `ordersync-dlq-reader-${randomUUID()}`,
    maxBytesPerPartition: 10 * 1024 * 1024,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      void consumer
        .disconnect()
        .finally(() => reject(new Error('timed out reading the DLQ after 60 s')));
    }, 60_000);
    consumer
      .run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const end = remaining.get(partition);
          if (end === undefined) return;
          out.push({ partition, offset: message.offset, message });
          if (BigInt(message.offset) + 1n >= end) remaining.delete(partition);
          if (remaining.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return out.sort(
    (a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)),
  );
}

export function registerDlqCommands(program: Command, cfg: () => Config): void {
  const dlq = program.command('dlq').description('inspect and replay dead-lettered messages');
  dlq
    .command('list')
    .description('list DLQ messages with their reason and origin')
    .option('--json', 'print JSON lines')
    .option('--reason <reason>', 'only this reason (schema, unparsable-json, key-mismatch, ...)')
    .action(async (o: { json?: boolean; reason?: string }) => {
      const entries = (await readDlq(cfg())).filter(
        (e) => !o.reason || header(e.message, HEADERS.dlqReason) === o.reason,
      );
      for (const { partition, offset, message: m } of entries) {
        const row = {
          dlq: `${partition}@${offset}`,
          reason: header(m, HEADERS.dlqReason),
          detail: header(m, HEADERS.dlqDetail),
          source: `${header(m, HEADERS.dlqTopic)}/${header(m, HEADERS.dlqPartition)}@${header(m, HEADERS.dlqOffset)}`,
          key: m.key?.toString() ?? null,
          bytes: m.value?.length ?? 0,
        };
        console.log(
          o.json
            ? JSON.stringify(row)
            : `${row.dlq}  ${row.reason.padEnd(15)} ${row.source}  key=${row.key ?? '∅'}  ${row.detail}`,
        );
      }
      if (!o.json) console.log(`${entries.length} message(s)`);
    });
  dlq
    .command('replay')
    .description(
      'produce DLQ messages back to their source topic, e.g. after fixing a producer; the consumer validates them again',
    )
    .addOption(new Option('--reason <reason>', 'only this reason'))
    .option('--dry-run', 'show what would be replayed')
    .action(async (o: { reason?: string; dryRun?: boolean }) => {
      const c = cfg();
      const entries = (await readDlq(c)).filter(
        (e) => !o.reason || header(e.message, HEADERS.dlqReason) === o.reason,
      );
      const kafka = createKafka(c, '-dlq-replay');
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      let n = 0;
      try {
        for (const { message: m } of entries) {
          const topic = header(m, HEADERS.dlqTopic);
          if (!topic) continue;
          if (!o.dryRun)
            await producer.send({ topic, acks: -1, messages: [{ key: m.key, value: m.value }] });
          n++;
        }
      } finally {
        await producer.disconnect();
      }
      console.log(`${o.dryRun ? 'would replay' : 'replayed'} ${n} message(s)`);
    });
}
