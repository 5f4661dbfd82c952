import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka } from '../../src/kafka/client';
import { checkReplication, replicationFactorFor } from '../../src/kafka/replication';
import { ensureTopics, eventTopics } from '../../src/kafka/topics';
import type { Topics } from '../../src/contracts/topics';
import { testEnv } from '../support/env';

// On the real broker: topics that ensureTopics created answer ListOffsets at once.
const { cfg, runId } = testEnv('topics');
let admin: Admin;
const created: string[] = [];

beforeAll(async () => {
  admin = createKafka(cfg, '-test').admin();
  await admin.connect();
});
afterAll(async () => {
  if (created.length > 0) await admin.deleteTopics({ topics: created }).catch(() => undefined);
  await admin?.disconnect();
});

describe('ensureTopics on Kafka', () => {
  it('returns only when every partition of the new topics is served', async () => {
    // Without the wait, this read failed for 2 to 9 of 20 fresh topics (Kafka 3.9.1
    // and 4.4.0, idle to busy machine): five rounds of four topics nearly always catch it.
    for (let round = 0; round < 5; round++) {
      const topics: Topics = {
        online: `t.${runId}.${round}.online`,
        store: `t.${runId}.${round}.store`,
        international: `t.${runId}.${round}.international`,
        dlq: `t.${runId}.${round}.dlq`,
      };
      const made = await ensureTopics(admin, topics, 6);
      created.push(...made);
      expect(made.sort()).toEqual([...eventTopics(topics), topics.dlq].sort());
      for (const topic of made) {
        const offsets = await admin.fetchTopicOffsets(topic);
        expect(offsets).toHaveLength(topic === topics.dlq ? 3 : 6);
        expect(offsets.every((p) => p.high === '0' && p.low === '0')).toBe(true);
      }
    }
  });

  it('leaves existing topics alone and creates nothing the second time', async () => {
    const topics: Topics = {
      online: `t.${runId}.again.online`,
      store: `t.${runId}.again.store`,
      international: `t.${runId}.again.international`,
      dlq: `t.${runId}.again.dlq`,
    };
    created.push(...(await ensureTopics(admin, topics, 6)));
    expect(await ensureTopics(admin, topics, 6)).toEqual([]);
  });
});

describe('replication on the real cluster', () => {
  it('creates topics with as many replicas as the cluster allows, and finds nothing to warn about', async () => {
    const brokers = (await admin.describeCluster()).brokers.length;
    const topics: Topics = {
      online: `t.${runId}.rf.online`,
      store: `t.${runId}.rf.store`,
      international: `t.${runId}.rf.international`,
      dlq: `t.${runId}.rf.dlq`,
    };
    const made = await ensureTopics(admin, topics, 3);
    created.push(...made);
    const wanted = replicationFactorFor(brokers);
    const metadata = await admin.fetchTopicMetadata({ topics: made });
    for (const t of metadata.topics)
      for (const p of t.partitions) expect(p.replicas).toHaveLength(wanted === -1 ? 1 : wanted);
    expect(await checkReplication(admin, made)).toEqual([]);
  });

  it('warns about a single-replica topic when there are three brokers to copy to', async () => {
    const brokers = (await admin.describeCluster()).brokers.length;
    const topic = `t.${runId}.rf1`;
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          numPartitions: 1,
          replicationFactor: 1,
          configEntries: [{ name: 'min.insync.replicas', value: '1' }],
        },
      ],
    });
    created.push(topic);
    const warnings = await checkReplication(admin, [topic]);
    // One broker: one replica is all it allows. More: a broker's loss loses events.
    expect(warnings.map((w) => w.topic)).toEqual(brokers > 1 ? [topic] : []);
  });
});
