import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

export interface DlqEntry {
  partition: number;
  offset: string;
  message: KafkaMessage;
}

/** A header of a DLQ letter as text ('' when absent). */
export const dlqHeader = (m: KafkaMessage, name: string): string =>
  m.headers?.[name]?.toString() ?? '';

/** How long the reader waits without receiving anything before it gives up. */
const IDLE_TIMEOUT_MS = 60_000;

/**
 * Reads the whole DLQ as it is now (up to each partition's end at the start),
 * in partition and offset order, without committing anything.
 */
export async function readDlq(kafka: Kafka, topic: string): Promise<DlqEntry[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
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
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const idle = () => {
        clearTimeout(timer);
        timer = setTimeout(
          () => reject(new Error(`no DLQ message for ${IDLE_TIMEOUT_MS / 1000} s`)),
          IDLE_TIMEOUT_MS,
        );
      };
      idle();
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            idle();
            const end = remaining.get(partition);
            if (end === undefined || BigInt(message.offset) >= end) return;
            out.push({ partition, offset: message.offset, message });
            if (BigInt(message.offset) + 1n >= end) remaining.delete(partition);
            if (remaining.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch((err: Error) => {
          clearTimeout(timer);
          reject(err);
        });
    });
  } finally {
    await consumer.disconnect();
  }
  return out.sort(
    (a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)),
  );
}
