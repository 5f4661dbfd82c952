/**
 * The seed article's two designs (bench/systems/seed) under the chaos
 * scenarios: `seed`, its poller + keyed topics + consumer group, and `old`,
 * its poller + a pool of processors with no key affinity. Each run stands on
 * a ChaosPipeline (servers, pools, supervisor, ERP simulator) but starts the
 * seed's processes, topics, tables and high-water mark instead of ordersync's,
 * and the same oracle (src/verify.ts) judges the result from the system's own
 * apply log. These systems never converge by design, so a run ends when the
 * system has caught up with the ERP and stopped writing.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { seedTopic } from '../bench/systems/seed/process';
import { createSeedTables, seedTables } from '../bench/systems/seed/schema';
import type { SeedSystem, SeedTables } from '../bench/systems/seed/schema';
import { dataDir } from '../src/config';
import { CHANNELS } from '../src/contracts/events';
import { createPool } from '../src/db/pool';
import type { SimulateOptions } from '../src/erp/simulator';
import { verify } from '../src/verify';
import type { VerifyReport } from '../src/verify';
import { eventually } from '../test/support/env';
import { ChaosPipeline, log, oracleCounts, sleep } from './harness';
import type { ScenarioResult } from './harness';

const PROCESS = path.join(__dirname, '..', 'bench', 'systems', 'seed', 'process.ts');
/** How long the apply log must stay unchanged, once caught up, before a run is judged. */
const QUIET_MS = 10_000;

export type SeedRole = 'poller' | 'consumer' | 'old';

/** One seed-design system on its own topics, tables, group and high-water mark. */
export class SeedRun {
  readonly tables: SeedTables;
  readonly topics: string[];
  readonly group: string;
  readonly mark: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor(
    readonly system: SeedSystem,
    readonly p: ChaosPipeline,
  ) {
    this.tables = seedTables(system);
    const id = p.base.runId;
    this.topics = CHANNELS.map((c) => seedTopic(`${system}.${id}`, c));
    this.group = `${system}-cg-${id}`;
    this.mark = `${system}-${id}`;
    this.env = {
      ...p.env,
      SEED_SYSTEM: system,
      SEED_SCOPE: p.prefix,
      SEED_TOPIC_PREFIX: `${system}.${id}`,
      SEED_GROUP: this.group,
      SEED_CURSOR: this.mark,
    };
  }

  /** Tables, the mark at the current end of the change log, and (seed) the three topics. */
  async setup() {
    const migrator = createPool(this.p.cfg.ORDERSYNC_MYSQL_MIGRATE_URL!, { connectionLimit: 1 });
    await createSeedTables(migrator, this.system);
    await migrator.end();
    const [top] = await this.p.reader.query<RowDataPacket[]>(
      'SELECT COALESCE(MAX(seq), 0) AS s FROM order_events',
    );
    await this.setMark(Number(top[0]!.s));
    if (this.system === 'seed') {
      const admin = this.p.kafka.admin();
      await admin.connect();
      await admin.createTopics({
        waitForLeaders: true,
        topics: this.topics.map((topic) => ({
          topic,
          numPartitions: this.p.cfg.ORDERSYNC_TOPIC_PARTITIONS,
          replicationFactor: -1,
        })),
      });
      await admin.disconnect();
    }
  }

  async setMark(position: number) {
    await this.p.app.query(
      `INSERT INTO ${this.tables.cursor} (name, position) VALUES (?, ?)
       ON DUPLICATE KEY UPDATE position = VALUES(position)`,
      [this.mark, position],
    );
  }

  /** Starts a supervised seed process; `fault` arms src/chaos-hooks.ts in it only. */
  start(id: string, role: SeedRole, fault?: string) {
    const logs = path.join(dataDir(), 'logs');
    mkdirSync(logs, { recursive: true });
    this.p.supervise(id, fault, (extra) => {
      const out = openSync(path.join(logs, `seed-${role}.log`), 'a');
      return spawn(process.execPath, ['--import', 'tsx', PROCESS, role], {
        env: { ...this.env, ...extra },
        stdio: ['ignore', out, out],
      });
    });
  }

  /**
   * The system's usual processes: the poller and two group members, or the
   * old pool. Waits until the group is stable with both members, so a fault
   * armed in one member meets traffic.
   */
  async startDefault(faults: { first?: string; second?: string } = {}) {
    if (this.system === 'old') {
      this.start('old', 'old', faults.first);
      return;
    }
    this.start('poller', 'poller');
    this.start('first', 'consumer', faults.first);
    this.start('second', 'consumer', faults.second);
    await this.groupReady(2);
  }

  /** Waits until the seed's consumer group is stable with `members` members. */
  async groupReady(members: number) {
    const admin = this.p.kafka.admin();
    await admin.connect();
    try {
      await eventually(
        async () => {
          const { groups } = await admin.describeGroups([this.group]);
          const g = groups[0];
          return g?.state === 'Stable' && g.members.length === members;
        },
        90_000,
        `the ${this.system} group to be stable with ${members} members`,
      );
    } finally {
      await admin.disconnect();
    }
  }

  verify(): Promise<VerifyReport> {
    return verify(this.p.reader, this.p.app, this.p.prefix, this.tables, { repeats: false });
  }

  /** True when the mark has passed every ERP event of this run and (seed) the group has no lag. */
  async caughtUp(): Promise<boolean> {
    const [m] = await this.p.reader.query<RowDataPacket[]>(
      'SELECT COALESCE(MAX(seq), 0) AS s FROM order_events WHERE order_id LIKE ?',
      [`${this.p.prefix}%`],
    );
    const [c] = await this.p.app.query<RowDataPacket[]>(
      `SELECT position FROM ${this.tables.cursor} WHERE name = ?`,
      [this.mark],
    );
    if (Number(c[0]?.position ?? 0) < Number(m[0]!.s)) return false;
    if (this.system === 'old') return true;
    const admin = this.p.kafka.admin();
    await admin.connect();
    try {
      for (const topic of this.topics) {
        const high = await admin.fetchTopicOffsets(topic);
        const [committed] = await admin.fetchOffsets({ groupId: this.group, topics: [topic] });
        for (const h of high) {
          const at = committed?.partitions.find((x) => x.partition === h.partition)?.offset;
          const done = at === undefined || at === '-1' ? Number(h.low) : Number(at);
          if (done < Number(h.high)) return false;
        }
      }
      return true;
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Waits until the target equals the ERP with every event logged, or the
   * system has caught up and its apply log has not grown for QUIET_MS; then
   * returns the oracle's report. `settled` is false if neither happened in time.
   * `untilQuiet` waits for the second even when the first already holds.
   */
  async settle(
    timeoutMs = 240_000,
    opts: { untilQuiet?: boolean } = {},
  ): Promise<{ report: VerifyReport; settled: boolean }> {
    const deadline = Date.now() + timeoutMs;
    let rows = -1;
    let quietSince = Date.now();
    for (;;) {
      const report = await this.verify().catch(() => undefined);
      if (report) {
        if (!opts.untilQuiet && report.unaccounted === 0 && report.mismatched.length === 0)
          return { report, settled: true };
        const now = report.appliedEvents + report.skippedEvents;
        if (now !== rows) {
          rows = now;
          quietSince = Date.now();
        }
        const caught = await this.caughtUp().catch(() => false);
        if (caught && Date.now() - quietSince >= QUIET_MS) return { report, settled: true };
        if (Date.now() > deadline) return { report, settled: false };
      } else if (Date.now() > deadline) {
        throw new Error(`${this.p.name}: the oracle could not read the ${this.system} tables`);
      }
      await sleep(1000);
    }
  }

  async close() {
    await this.p.close();
    if (this.system !== 'seed') return;
    const kafka = this.p.kafka;
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: this.topics }).catch(() => undefined);
    await admin.disconnect();
  }
}

/** Runs the traffic with the fault beside it, then lets the system settle. */
export async function seedTraffic(
  r: SeedRun,
  fault: (traffic: Promise<unknown>) => Promise<void>,
  traffic: Partial<SimulateOptions> = { orders: 60, rate: 40 },
) {
  const sim = r.p.simulate(traffic);
  await fault(sim);
  await sim;
  const faultEnd = Date.now();
  const { report, settled } = await r.settle();
  return {
    report,
    settled,
    recovery: (Date.now() - faultEnd) / 1000,
    produced: await r.p.erpEvents(),
  };
}

/** A seed system's result: the oracle's counts are the finding, so a run that completed passes. */
export function seedResult(
  r: SeedRun,
  scenario: string,
  run: { report: VerifyReport; settled: boolean; recovery: number; produced: number },
  notes: string[] = [],
): ScenarioResult {
  const { report } = run;
  return {
    system: r.system,
    scenario,
    applicable: true,
    ...oracleCounts(report),
    produced: run.produced,
    applied: report.appliedEvents,
    skipped: report.skippedEvents,
    dlq: 0,
    duplicates: report.duplicates,
    recoverySeconds: Math.round(run.recovery * 10) / 10,
    pass: true,
    notes: [
      ...notes,
      ...r.p.restarts,
      ...(run.settled ? [] : ['still writing when the time ran out; judged as it stood']),
    ],
  };
}

export async function withSeedRun<T>(
  system: SeedSystem,
  name: string,
  body: (r: SeedRun) => Promise<T>,
): Promise<T> {
  const p = await ChaosPipeline.create(`${system}-${name}`);
  const r = new SeedRun(system, p);
  try {
    await r.setup();
    return await body(r);
  } finally {
    await r
      .close()
      .catch((err: unknown) => log(`cleanup of ${system} ${name}: ${(err as Error).message}`));
  }
}

/** Waits for the supervisor to have restarted a process the fault killed. */
export async function killed(r: SeedRun, what: string): Promise<void> {
  await eventually(async () => r.p.restarts.length > 0, 120_000, what);
}
