import { Kafka, logLevel } from 'kafkajs';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerServer, startBroker, startServers, stopServer } from '../../chaos/servers';
import { createKafka } from '../../src/kafka/client';
import { ensureTopics } from '../../src/kafka/topics';
import { eventually, testEnv } from '../support/env';

// acks=all on the three-broker profile: with two of three brokers gone no write
// is acknowledged, and once one is back writes are acknowledged again and
// every acknowledged one can be read.
const { cfg, runId } = testEnv('kafka-acks');
const topic = `t.${runId}.acks`;
let admin: Admin;
// No client retries: each send is answered by the cluster as it is at that moment.
const kafka = new Kafka({
  clientId: `acks-${runId}`,
  brokers: [...cfg.ORDERSYNC_KAFKA_BROKERS],
  logLevel: logLevel.NOTHING,
  retry: { retries: 0 },
  connectionTimeout: 3000,
});
const producer = kafka.producer({ maxInFlightRequests: 1 });
const send = (value: string) =>
  producer.send({ topic, acks: -1, timeout: 5000, messages: [{ key: 'k', value }] });

beforeAll(async () => {
  admin = createKafka(cfg, '-test').admin();
  await admin.connect();
  const brokers = (await admin.describeCluster()).brokers.length;
  if (brokers < 3)
    throw new Error(
      `this suite needs the three-broker profile (ORDERSYNC_KAFKA_NODES=3); the cluster has ${brokers}`,
    );
  await ensureTopics(
    admin,
    { online: topic, store: `${topic}.s`, international: `${topic}.i`, dlq: `${topic}.d` },
    1,
  );
  await producer.connect();
});

afterAll(async () => {
  startServers();
  await producer.disconnect().catch(() => undefined);
  await admin
    ?.deleteTopics({ topics: [topic, `${topic}.s`, `${topic}.i`, `${topic}.d`] })
    .catch(() => undefined);
  await admin?.disconnect();
});

describe('acks=all on three brokers with min.insync.replicas=2', () => {
  it('acknowledges nothing while two brokers are down, and everything acknowledged is there after', async () => {
    const acked: string[] = [];
    await send('before');
    acked.push('before');

    const [partition] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions;
    expect(partition!.replicas).toHaveLength(3);
    const followers = partition!.replicas.filter((id) => id !== partition!.leader);
    for (const id of followers) await stopServer(brokerServer(id), 'SIGKILL');

    const refused: string[] = [];
    for (let i = 0; i < 3; i++) {
      const value = `while-down-${i}`;
      try {
        await send(value);
        acked.push(value);
      } catch (err) {
        refused.push(`${value}: ${(err as Error).message}`);
      }
    }
    expect(acked).toEqual(['before']);
    expect(refused).toHaveLength(3);

    startBroker(followers[0]!);
    await eventually(
      async () => {
        await send('after');
        return true;
      },
      180_000,
      'a write acknowledged with one follower back',
      2000,
    );
    acked.push('after');

    const seen = new Set<string>();
    // With retries: a broker may still be down, and the group coordinator moves.
    const consumer = createKafka(cfg, '-test').consumer({ groupId: `acks-${runId}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.add(message.value?.toString() ?? '');
      },
    });
    try {
      await eventually(
        async () => acked.every((v) => seen.has(v)),
        60_000,
        'every acknowledged write to be read',
      );
    } finally {
      await consumer.disconnect();
    }
  }, 400_000);
});
