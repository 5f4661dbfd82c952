// Faults that only the production topology has (npm run chaos -- --topology
// production): one broker of three killed, two of three down, the self-hosted
// Temporal server killed, and its PostgreSQL restarted, all under traffic.
import type { Admin } from 'kafkajs';
import { eventTopics, topicsFromConfig } from '../../src/kafka/topics';
import { log, result, sleep, withTraffic } from '../harness';
import type { ChaosPipeline, Scenario } from '../harness';
import { brokerServer, startBroker, startServers, stopServer } from '../servers';
import { eventually } from '../../test/support/env';

/** The broker that leads the partition holding the most of this run's events, and that partition. */
export async function busiestLeader(admin: Admin, topics: string[]) {
  let best = { topic: '', partition: -1, high: -1 };
  for (const topic of topics)
    for (const p of await admin.fetchTopicOffsets(topic))
      if (Number(p.high) > best.high)
        best = { topic, partition: p.partition, high: Number(p.high) };
  const meta = await admin.fetchTopicMetadata({ topics: [best.topic] });
  const leader = meta.topics[0]?.partitions.find((p) => p.partitionId === best.partition)?.leader;
  if (leader === undefined) throw new Error(`no leader known for ${best.topic}/${best.partition}`);
  return { ...best, leader };
}

/** The sum of the high watermarks (the replicated, acknowledged end) of this run's topics. */
async function committedEnd(admin: Admin, topics: string[]): Promise<number> {
  let sum = 0;
  for (const topic of topics)
    for (const p of await admin.fetchTopicOffsets(topic)) sum += Number(p.high);
  return sum;
}

/** Waits until `topics` hold `events` replicated events: the fault then lands mid-burst. */
export async function untilFlowing(
  p: ChaosPipeline,
  events: number,
  topics = eventTopics(topicsFromConfig(p.cfg)),
) {
  await withAdmin(p, (admin) =>
    eventually(
      async () => (await committedEnd(admin, topics)) >= events,
      120_000,
      `${events} events in ${p.name}'s topics`,
      200,
    ),
  );
}

async function withAdmin<T>(p: ChaosPipeline, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = p.kafka.admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Once `topics` hold 40 events, kill -9 of the broker leading the busiest of
 * their partitions; it is started again 15 s later. Returns what was killed.
 * The seed's design (chaos/seed-scenarios.ts) meets the same fault on its own topics.
 */
export async function killBusiestLeader(p: ChaosPipeline, topics: string[]): Promise<string> {
  await untilFlowing(p, 40, topics);
  const target = await withAdmin(p, (admin) => busiestLeader(admin, topics));
  const victim = brokerServer(target.leader);
  log(
    `kill -9 of broker ${target.leader} (${victim}), leader of ${target.topic}/${target.partition}`,
  );
  await stopServer(victim, 'SIGKILL');
  await sleep(15_000);
  startServers();
  return `killed broker ${target.leader}, leader of the busiest partition (${target.high} events)`;
}

/** The traffic of the broker faults: 240 orders at 20 events/s, so the burst outlasts the fault. */
export const BROKER_FAULT_TRAFFIC = { orders: 240, rate: 20 };

/** kill -9 of the broker leading the busiest partition, mid-burst; it is restarted 15 s later. */
export const kafkaLeaderKill: Scenario = async (p) => {
  const notes: string[] = [];
  const topics = eventTopics(topicsFromConfig(p.cfg));
  const { report, recovery, produced } = await withTraffic(
    p,
    {},
    async () => {
      notes.push(await killBusiestLeader(p, topics));
    },
    BROKER_FAULT_TRAFFIC,
  );
  return result(p.name, report, produced, recovery, { notes: [...notes, ...p.restarts] });
};

/**
 * Two of three brokers killed mid-burst. With min.insync.replicas=2 nothing
 * is acknowledged (test/production/kafka-acks.test.ts proves that part on a
 * single partition; here the controller quorum is lost too, so no partition
 * metadata can even be read). One broker comes back after 30 s and everything
 * must flow with two; the third returns only after the run converged.
 */
export const kafkaTwoBrokersDown: Scenario = async (p) => {
  try {
    const notes: string[] = [];
    const { report, recovery, produced } = await withTraffic(
      p,
      {},
      async () => {
        notes.push(await twoBrokersDown(p, eventTopics(topicsFromConfig(p.cfg))));
      },
      TWO_BROKERS_TRAFFIC,
    );
    return result(p.name, report, produced, recovery, {
      notes: [...notes.map((n) => `${n}; converged with brokers 1 and 2`), ...p.restarts],
    });
  } finally {
    startServers();
  }
};

/** The traffic of kafka-two-brokers-down: 160 orders at 20 events/s. */
export const TWO_BROKERS_TRAFFIC = { orders: 160, rate: 20 };

/**
 * Once `topics` hold 40 events, kill -9 of brokers 2 and 3; broker 2 is
 * started again 30 s later. Broker 3 stays down: the caller starts it (in a
 * `finally`) once the run has converged. The seed's design
 * (chaos/seed-scenarios.ts) meets the same fault on its own topics.
 */
export async function twoBrokersDown(p: ChaosPipeline, topics: string[]): Promise<string> {
  await untilFlowing(p, 40, topics);
  log('kill -9 of brokers 2 and 3');
  await stopServer('kafka-2', 'SIGKILL');
  await stopServer('kafka-3', 'SIGKILL');
  await sleep(30_000);
  log('starting broker 2 again');
  startBroker(2);
  return 'brokers 2 and 3 killed for 30 s, broker 2 started again';
}

/** kill -9 of a server infra.sh started once events flow; it is started again `downMs` later. */
const killDuringTraffic =
  (server: 'temporal' | 'postgres', signal: NodeJS.Signals, downMs: number): Scenario =>
  async (p) => {
    const { report, recovery, produced } = await withTraffic(
      p,
      {},
      async () => {
        await untilFlowing(p, 40);
        log(`${signal} to ${server}`);
        await stopServer(server, signal);
        await sleep(downMs);
        startServers();
      },
      { orders: 160, rate: 20 },
    );
    return result(p.name, report, produced, recovery, { notes: p.restarts });
  };

/** The self-hosted Temporal server killed mid-burst: the consumer holds its offsets until it is back. */
export const temporalServerKill = killDuringTraffic('temporal', 'SIGKILL', 5000);

/** PostgreSQL, Temporal's store, restarted under load (a fast shutdown, as a package upgrade does). */
export const postgresRestart = killDuringTraffic('postgres', 'SIGTERM', 5000);
