// `--topology production` for the chaos run and the bench: which servers the
// run expects, and a check that those are the ones answering.
import { Connection } from '@temporalio/client';
import { loadConfig } from '../src/config';
import { createKafka } from '../src/kafka/client';
import { temporalConnectionOptions } from '../src/temporal/connection';

export const TOPOLOGIES = ['dev', 'production'] as const;
export type Topology = (typeof TOPOLOGIES)[number];

export function parseTopology(value: string): Topology {
  if (!(TOPOLOGIES as readonly string[]).includes(value))
    throw new Error(`unknown topology "${value}"; one of ${TOPOLOGIES.join(', ')}`);
  return value as Topology;
}

/** What the servers that answer are: the brokers' count and Temporal's persistence store. */
export async function describeTopology(): Promise<{ brokers: number; temporalStore: string }> {
  const cfg = loadConfig();
  const admin = createKafka(cfg, '-topology').admin();
  await admin.connect();
  let brokers: number;
  try {
    brokers = (await admin.describeCluster()).brokers.length;
  } finally {
    await admin.disconnect();
  }
  const connection = await Connection.connect(temporalConnectionOptions(cfg));
  try {
    const info = await connection.workflowService.getClusterInfo({});
    return { brokers, temporalStore: info.persistenceStore ?? 'unknown' };
  } finally {
    await connection.close();
  }
}

/**
 * Fails unless the production topology answers: three brokers and Temporal's
 * own server (not the dev server's SQLite). `npm run chaos|bench -- --topology
 * production` starts it through scripts/ensure.sh.
 */
export async function requireProductionTopology(): Promise<string> {
  const t = await describeTopology();
  const problems = [
    ...(t.brokers < 3 ? [`Kafka has ${t.brokers} broker(s), not 3 (ORDERSYNC_KAFKA_NODES=3)`] : []),
    ...(t.temporalStore === 'sqlite'
      ? ['Temporal is the dev server on SQLite (ORDERSYNC_TEMPORAL=server)']
      : []),
  ];
  if (problems.length > 0)
    throw new Error(
      `--topology production, but ${problems.join('; ')}. Run 'ORDERSYNC_TEMPORAL=server ORDERSYNC_KAFKA_NODES=3 npm run infra -- up' first.`,
    );
  return `${t.brokers} Kafka brokers, Temporal on ${t.temporalStore}`;
}
