/**
 * The chaos scenarios mapped onto the seed article's designs. A function runs
 * the scenario; a string says why it does not apply to that system. The
 * seed's "signal" is its write: `consumer-kill-after-signal` kills a member
 * after its write and before its offset commit (in the old architecture,
 * before the high-water mark is saved).
 */
import type { RowDataPacket } from 'mysql2/promise';
import type { SeedSystem } from '../bench/systems/seed/schema';
import { BULK_NOTE, bulkTransactionDuring } from './bulk-transaction';
import { channelChangeTraffic } from './channel-change';
import { log, sleep } from './harness';
import type { ScenarioResult } from './harness';
import {
  BROKER_FAULT_TRAFFIC,
  TWO_BROKERS_TRAFFIC,
  killBusiestLeader,
  twoBrokersDown,
} from './scenarios/production-faults';
import { killed, seedResult, seedTraffic, withSeedRun } from './seed-systems';
import type { SeedRun } from './seed-systems';
import { startServers, stopServer } from './servers';

type SeedScenario = (r: SeedRun, name: string) => Promise<ScenarioResult>;

const killAt =
  (point: string): SeedScenario =>
  async (r, name) => {
    await r.startDefault({ first: `${point}:15` });
    const run = await seedTraffic(r, () => killed(r, `the ${point} kill`));
    return seedResult(r, name, run);
  };

const serverRestart =
  (server: 'kafka'): SeedScenario =>
  async (r, name) => {
    await r.startDefault();
    const run = await seedTraffic(r, async () => {
      await sleep(3000);
      log(`restarting ${server}`);
      await stopServer(server);
      await sleep(3000);
      startServers();
    });
    return seedResult(r, name, run);
  };

const mysqlDown30s: SeedScenario = async (r, name) => {
  await r.startDefault();
  await r.p.simulate({ orders: 40 });
  await sleep(1500);
  log('stopping MySQL for 30 s');
  await stopServer('mysql');
  await sleep(30_000);
  startServers();
  const run = await seedTraffic(r, async () => undefined, { orders: 20 });
  return seedResult(r, name, run);
};

const rebalance: SeedScenario = async (r, name) => {
  r.start('poller', 'poller');
  r.start('first', 'consumer');
  await r.groupReady(1);
  const run = await seedTraffic(r, async () => {
    await sleep(3000);
    log('second consumer joins');
    r.start('second', 'consumer');
    await sleep(5000);
    log('first consumer leaves');
    await r.p.stop('first');
  });
  return seedResult(r, name, run);
};

const stall: SeedScenario = async (r, name) => {
  await r.startDefault({ first: 'consumer-after-signal:15:stall-15000' });
  const run = await seedTraffic(r, async () => undefined, { orders: 120, rate: 6 });
  return seedResult(r, name, run, [
    'one member froze 15 s after its 15th write, before its commit',
  ]);
};

const duplicates: SeedScenario = async (r, name) => {
  await r.startDefault();
  const first = await seedTraffic(r, async () => undefined, { orders: 40 });
  const [min] = await r.p.reader.query<RowDataPacket[]>(
    'SELECT MIN(seq) - 1 AS s FROM order_events WHERE order_id LIKE ?',
    [`${r.p.prefix}%`],
  );
  // The article's poller keeps only its mark: rolled back, it sends every event again.
  await r.setMark(Number(min[0]!.s));
  const rolled = Date.now();
  // Converged already: judge only once every event went through again and the log stopped growing.
  const { report, settled } = await r.settle(240_000, { untilQuiet: true });
  return seedResult(
    r,
    name,
    {
      report,
      settled,
      recovery: (Date.now() - rolled) / 1000,
      produced: first.produced,
    },
    [`the mark rolled back to the start: every event polled a second time`],
  );
};

const lateCommits: SeedScenario = async (r, name) => {
  await r.startDefault();
  const run = await seedTraffic(r, async () => undefined, {
    orders: 60,
    concurrency: 8,
    lateCommitProbability: 0.5,
    lateCommitMs: 1500,
  });
  return seedResult(r, name, run, [
    'half the ERP transactions commit 1.5 s after taking their sequence',
  ]);
};

const channelChange: SeedScenario = async (r, name) => {
  await r.startDefault();
  let moved = 0;
  const run = await seedTraffic(
    r,
    async () => {
      moved = await channelChangeTraffic((o) => r.p.simulate(o), r.p.writer);
    },
    { orders: 0, rate: 40 },
  );
  return seedResult(r, name, run, [`${moved} orders moved to another channel between two updates`]);
};

const bulkTransaction: SeedScenario = async (r, name) => {
  await r.startDefault();
  const run = await seedTraffic(
    r,
    (traffic) => bulkTransactionDuring(r.p.writer, r.p.prefix, traffic),
    {
      orders: 20,
      rate: 40,
    },
  );
  return seedResult(r, name, run, [BULK_NOTE]);
};

/**
 * A broker fault of the production topology on the seed's own topics, under
 * the same traffic as ordersync's scenario; every server is started again
 * (if the fault left one down) once the run is judged.
 */
const brokerFault =
  (
    fault: (r: SeedRun) => Promise<string>,
    traffic: { orders: number; rate: number },
  ): SeedScenario =>
  async (r, name) => {
    await r.startDefault();
    try {
      let what = '';
      const run = await seedTraffic(
        r,
        async () => {
          what = await fault(r);
        },
        traffic,
      );
      return seedResult(r, name, run, [what]);
    } finally {
      startServers();
    }
  };

/** kafka-leader-kill: the leader of the seed's busiest partition is killed mid-burst. */
const leaderKill = brokerFault((r) => killBusiestLeader(r.p, r.topics), BROKER_FAULT_TRAFFIC);

/** kafka-two-brokers-down: brokers 2 and 3 killed mid-burst, broker 2 back after 30 s. */
const brokersDown = brokerFault((r) => twoBrokersDown(r.p, r.topics), TWO_BROKERS_TRAFFIC);

const NO_TEMPORAL = 'no Temporal in this design';
const NO_KAFKA = 'no Kafka in this design: the poller hands events to the processors in process';
const NO_GROUP = 'no consumer group: one process, whose processors share an in-process queue';
const NO_WORKER =
  'no separate apply worker: the write is one transaction in the consumer, so a kill inside it rolls back as a kill before the write does';
const NO_WORKER_COMMIT =
  'no separate apply worker: a kill after the write committed, before the offset commit, is consumer-kill-after-signal in this design';
const NO_VALIDATION =
  'exercises ordersync’s validation, blocking and replay command; this design validates nothing beyond parsing and has no replay';
const NO_DLQ =
  'exercises ordersync’s dead-letter topic; this design has none and drops what it cannot parse';

const NO_QUERY_SOURCE =
  'reads only its own change log: no query source over an ERP schema (its timestamp-only reader is measured in the scenario itself)';
const NO_POSTGRES =
  'PostgreSQL hosts only the Temporal server here, and this design has no Temporal';

export const SEED_SCENARIOS: Record<string, Record<SeedSystem, SeedScenario | string>> = {
  'consumer-kill-before-signal': {
    seed: killAt('consumer-before-signal'),
    old: killAt('consumer-before-signal'),
  },
  'consumer-kill-after-signal': {
    seed: killAt('consumer-after-signal'),
    old: killAt('consumer-after-signal'),
  },
  'worker-kill-in-apply-tx': { seed: NO_WORKER, old: NO_WORKER },
  'worker-kill-after-apply-commit': { seed: NO_WORKER_COMMIT, old: NO_WORKER_COMMIT },
  'mysql-down-30s': { seed: mysqlDown30s, old: mysqlDown30s },
  'temporal-restart': { seed: NO_TEMPORAL, old: NO_TEMPORAL },
  'kafka-restart': { seed: serverRestart('kafka'), old: NO_KAFKA },
  rebalance: { seed: rebalance, old: NO_GROUP },
  'consumer-stall': { seed: stall, old: stall },
  duplicates: { seed: duplicates, old: duplicates },
  'late-commits': { seed: lateCommits, old: lateCommits },
  'channel-change': { seed: channelChange, old: channelChange },
  poison: { seed: NO_VALIDATION, old: NO_VALIDATION },
  'bad-input': { seed: NO_DLQ, old: NO_DLQ },
  'bulk-erp-transaction': { seed: bulkTransaction, old: bulkTransaction },
  'query-late-marker': { seed: NO_QUERY_SOURCE, old: NO_QUERY_SOURCE },
  'query-late-marker-odoo': { seed: NO_QUERY_SOURCE, old: NO_QUERY_SOURCE },
  // The production topology's faults (--topology production).
  'kafka-leader-kill': { seed: leaderKill, old: NO_KAFKA },
  'kafka-two-brokers-down': { seed: brokersDown, old: NO_KAFKA },
  'temporal-server-kill': { seed: NO_TEMPORAL, old: NO_TEMPORAL },
  'postgres-restart': { seed: NO_POSTGRES, old: NO_POSTGRES },
};

const empty = {
  violations: null,
  staleAtEnd: null,
  lost: null,
  appliedTwice: null,
  missingInvoices: null,
};

export async function runSeedScenario(system: SeedSystem, name: string): Promise<ScenarioResult> {
  const entry = SEED_SCENARIOS[name]?.[system];
  if (entry === undefined) throw new Error(`unknown scenario ${name}`);
  const base = {
    system,
    scenario: name,
    produced: 0,
    applied: 0,
    skipped: 0,
    dlq: 0,
    duplicates: 0,
    recoverySeconds: 0,
  };
  if (typeof entry === 'string')
    return { ...base, ...empty, applicable: false, reason: entry, pass: true, notes: [] };
  log(`--- ${system} ${name}`);
  try {
    return await withSeedRun(system, name, (r) => entry(r, name));
  } catch (err) {
    // A seed system passes when it ran; one that could not run is reported as such, and fails.
    return {
      ...base,
      ...empty,
      applicable: true,
      pass: false,
      notes: [`scenario failed: ${(err as Error).message}`],
    };
  }
}
