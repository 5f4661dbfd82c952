import { ConfigResourceTypes } from 'kafkajs';
import type { Admin } from 'kafkajs';
import type { Config } from '../config';
import type { Topics } from '../contracts/events';
import type { TopicLayout } from './send-plan';

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

/** The broker's default `max.message.bytes`, assumed for a topic that does not exist (yet). */
export const BROKER_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/**
 * Each topic's real `max.message.bytes` and partition count, read from the
 * broker: a topic someone else created keeps the broker default (about 1 MB),
 * not our 8 MiB. A topic that does not exist gets the broker default and one partition.
 */
export async function readTopicLayouts(
  admin: Admin,
  topics: readonly string[],
): Promise<Map<string, TopicLayout>> {
  const existing = new Set(await admin.listTopics());
  const present = [...new Set(topics)].filter((t) => existing.has(t));
  const layouts = new Map<string, TopicLayout>(
    topics.map((t) => [t, { maxMessageBytes: BROKER_DEFAULT_MAX_MESSAGE_BYTES, partitions: 1 }]),
  );
  if (present.length === 0) return layouts;
  const [configs, metadata] = await Promise.all([
    admin.describeConfigs({
      includeSynonyms: false,
      resources: present.map((name) => ({
        type: ConfigResourceTypes.TOPIC,
        name,
        configNames: ['max.message.bytes'],
      })),
    }),
    admin.fetchTopicMetadata({ topics: present }),
  ]);
  for (const t of metadata.topics) {
    const layout = layouts.get(t.name);
    if (layout) layout.partitions = Math.max(1, t.partitions.length);
  }
  for (const r of configs.resources) {
    const value = r.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue;
    const layout = layouts.get(r.resourceName);
    if (layout && value && Number(value) > 0) layout.maxMessageBytes = Number(value);
  }
  return layouts;
}
