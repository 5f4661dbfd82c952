import type { Admin } from 'kafkajs';
import type { Config } from '../config';
import type { Topics } from '../contracts/events';

export function topicsFromConfig(cfg: Config): Topics {
  return {
    online: cfg.ORDERSYNC_TOPIC_ONLINE,
    store: cfg.ORDERSYNC_TOPIC_STORE,
    international: cfg.ORDERSYNC_TOPIC_INTERNATIONAL,
    dlq: cfg.ORDERSYNC_TOPIC_DLQ,
  };
}

export function eventTopics(topics: Topics): string[] {
  return [topics.online, topics.store, topics.international];
}

/** Broker-side size limit for our topics: big enough that an oversized message reaches the consumer and is dead-lettered with a reason. */
export const TOPIC_MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

/** Creates the channel topics and the DLQ if missing. Existing topics are left as they are. */
export async function ensureTopics(
  admin: Admin,
  topics: Topics,
  partitions: number,
): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const wanted = [...eventTopics(topics), topics.dlq].filter((t) => !existing.has(t));
  if (wanted.length === 0) return [];
  await admin.createTopics({
    waitForLeaders: true,
    topics: wanted.map((topic) => ({
      topic,
      numPartitions: topic === topics.dlq ? Math.min(partitions, 3) : partitions,
      replicationFactor: -1,
      configEntries: [{ name: 'max.message.bytes', value: String(TOPIC_MAX_MESSAGE_BYTES) }],
    })),
  });
  return wanted;
}
