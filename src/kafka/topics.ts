import { ConfigResourceTypes, KafkaJSProtocolError } from 'kafkajs';
import type { Admin } from 'kafkajs';
import type { Config } from '../config';
import type { Topics } from '../contracts/topics';
import { replicationFactorFor } from './replication';
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

/** Errors a broker gives for a topic it has not fully taken up yet. */
const NOT_YET_SERVED = new Set([
  'NOT_LEADER_FOR_PARTITION',
  'LEADER_NOT_AVAILABLE',
  'UNKNOWN_TOPIC_OR_PARTITION',
]);

/** kafkajs wraps the broker's error in KafkaJSNumberOfRetriesExceeded once its own retries run out. */
function isNotYetServed(err: unknown): boolean {
  let cause = err;
  while (cause instanceof Error && !(cause instanceof KafkaJSProtocolError) && cause.cause)
    cause = cause.cause;
  return cause instanceof KafkaJSProtocolError && NOT_YET_SERVED.has(cause.type);
}

/**
 * Waits until each topic answers a ListOffsets request on all its partitions.
 *
 * In KRaft mode the controller accepts CreateTopics before the broker has
 * taken the topic up: for a moment the broker's metadata does not know the
 * topic (kafkajs's own `waitForLeaders` then throws UNKNOWN_TOPIC_OR_PARTITION)
 * or names a leader that does not serve it yet (`fetchTopicOffsets` then throws
 * NOT_LEADER_OR_FOLLOWER without retrying). Both happen on Kafka 3.9.1 and
 * 4.4.0, more often on a busy machine.
 */
export async function waitUntilServed(
  admin: Admin,
  partitionsByTopic: ReadonlyMap<string, number>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const [topic, partitions] of partitionsByTopic) {
    for (;;) {
      let served = 0;
      try {
        served = (await admin.fetchTopicOffsets(topic)).length;
      } catch (err) {
        if (!isNotYetServed(err)) throw err;
      }
      if (served === partitions) break;
      if (Date.now() > deadline) {
        throw new Error(
          `Kafka topic ${topic}: ${served} of ${partitions} partitions served after ${timeoutMs} ms`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * Creates the channel topics and the DLQ if missing, and returns once the new
 * ones are served. Existing topics are left as they are. New topics get three
 * replicas on a cluster of three or more brokers, the broker default otherwise.
 */
export async function ensureTopics(
  admin: Admin,
  topics: Topics,
  partitions: number,
): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const wanted = new Map(
    [...eventTopics(topics), topics.dlq]
      .filter((t) => !existing.has(t))
      .map((t) => [t, t === topics.dlq ? Math.min(partitions, 3) : partitions] as const),
  );
  if (wanted.size === 0) return [];
  const replicationFactor = replicationFactorFor((await admin.describeCluster()).brokers.length);
  await admin.createTopics({
    // waitUntilServed below waits for more than leaders, and tolerates a broker that lags.
    waitForLeaders: false,
    topics: [...wanted].map(([topic, numPartitions]) => ({
      topic,
      numPartitions,
      replicationFactor,
      configEntries: [{ name: 'max.message.bytes', value: String(TOPIC_MAX_MESSAGE_BYTES) }],
    })),
  });
  await waitUntilServed(admin, wanted);
  return [...wanted.keys()];
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
