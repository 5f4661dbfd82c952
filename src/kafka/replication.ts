import { ConfigResourceTypes } from 'kafkajs';
import type { Admin } from 'kafkajs';

/**
 * The replication factor ordersync asks for when it creates a topic: three
 * copies once the cluster has three brokers, so that losing one broker loses
 * nothing acknowledged; on a smaller cluster the broker's default
 * (`default.replication.factor`, asked for with -1).
 */
export function replicationFactorFor(brokers: number): number {
  return brokers >= 3 ? 3 : -1;
}

/** What the start-up check reads of one topic. */
export interface TopicReplication {
  topic: string;
  /** The fewest replicas any of its partitions has. */
  replicationFactor: number;
  minInsyncReplicas: number;
}

/** One weakness the start-up check found; `message` says what it risks and how to fix it. */
export interface ReplicationWarning {
  topic: string;
  message: string;
}

/**
 * Compares each topic with what a cluster of `brokers` brokers allows: three
 * replicas (or one per broker), and `min.insync.replicas` of at least two once
 * there are two replicas, so that acks=all waits for a second copy. A
 * `min.insync.replicas` above the replication factor makes every write fail.
 */
export function replicationWarnings(
  brokers: number,
  topics: readonly TopicReplication[],
): ReplicationWarning[] {
  const possibleRf = Math.min(3, brokers);
  const out: ReplicationWarning[] = [];
  for (const t of topics) {
    if (t.replicationFactor < possibleRf)
      out.push({
        topic: t.topic,
        message: `Kafka topic ${t.topic} has replication factor ${t.replicationFactor} on a cluster of ${brokers} brokers: losing one broker can lose acknowledged events; raise it to ${possibleRf} (kafka-reassign-partitions)`,
      });
    if (t.minInsyncReplicas > t.replicationFactor)
      out.push({
        topic: t.topic,
        message: `Kafka topic ${t.topic} has min.insync.replicas ${t.minInsyncReplicas} above its replication factor ${t.replicationFactor}: every write with acks=all fails`,
      });
    else if (t.replicationFactor >= 2 && t.minInsyncReplicas < 2)
      out.push({
        topic: t.topic,
        message: `Kafka topic ${t.topic} has min.insync.replicas ${t.minInsyncReplicas} with ${t.replicationFactor} replicas: acks=all is satisfied by one copy; set min.insync.replicas=2`,
      });
  }
  return out;
}

/** Reads the replication of the topics that exist, and the cluster's size, then judges them. */
export async function checkReplication(
  admin: Admin,
  topics: readonly string[],
): Promise<ReplicationWarning[]> {
  const existing = new Set(await admin.listTopics());
  const present = [...new Set(topics)].filter((t) => existing.has(t));
  if (present.length === 0) return [];
  const [cluster, metadata, configs] = await Promise.all([
    admin.describeCluster(),
    admin.fetchTopicMetadata({ topics: present }),
    admin.describeConfigs({
      includeSynonyms: false,
      resources: present.map((name) => ({
        type: ConfigResourceTypes.TOPIC,
        name,
        configNames: ['min.insync.replicas'],
      })),
    }),
  ]);
  const minIsr = new Map(
    configs.resources.map((r) => [
      r.resourceName,
      Number(r.configEntries.find((e) => e.configName === 'min.insync.replicas')?.configValue ?? 1),
    ]),
  );
  return replicationWarnings(
    cluster.brokers.length,
    metadata.topics.map((t) => ({
      topic: t.name,
      replicationFactor: Math.min(...t.partitions.map((p) => p.replicas.length)),
      minInsyncReplicas: minIsr.get(t.name) ?? 1,
    })),
  );
}
