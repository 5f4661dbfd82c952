/**
 * Fault scenarios against the real local servers. Each one runs its own
 * pipeline (processes, topics, task queue, Schedule, order-id prefix) while
 * the simulator writes ERP traffic, injects one fault, waits for the pipeline
 * to converge, and asks the oracle whether every event had exactly one effect.
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Kafka, KafkaMessage } from 'kafkajs';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { dataDir } from '../src/config';
import type { Config } from '../src/config';
import { HEADERS } from '../src/contracts/events';
import { startProcess, stopProcess } from '../src/cli/demo';
import { CursorRepository } from '../src/db/cursor-repository';
import { migrate } from '../src/db/migrate';
import { createPool } from '../src/db/pool';
import { initErpSchema, simulate } from '../src/erp/simulator';
import type { SimulateOptions } from '../src/erp/simulator';
import { createKafka } from '../src/kafka/client';
import { ensureTopics, topicsFromConfig } from '../src/kafka/topics';
import { createTemporalClient } from '../src/temporal/connection';
import { OrderWorkflowClient } from '../src/temporal/order-workflow-client';
import { upsertPollSchedule } from '../src/temporal/schedule';
import { verify } from '../src/verify';
import type { VerifyReport } from '../src/verify';
import { eventually, testEnv } from '../test/support/env';
import { badInputCorpus, duplicateEventIdPair } from '../test/fixtures/bad-input-corpus';

export interface ScenarioResult {
  scenario: string;
  produced: number;
  applied: number;
  skipped: number;
  dlq: number;
  lost: number;
  duplicates: number;
  recoverySeconds: number;
  pass: boolean;
  notes: string[];
}

const ROOT = path.join(__dirname, '..');
const log = (msg: string) => process.stderr.write(`[chaos] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One isolated pipeline: its own processes, supervised so that a crashed or killed one is started again. */
class Pipeline {
  readonly children = new Map<string, ChildProcess>();
  private supervising = true;
  readonly restarts: string[] = [];
  client!: Client;
  writer!: Pool;
  reader!: Pool;
  app!: Pool;
  kafka!: Kafka;

  constructor(
    readonly name: string,
    readonly cfg: Config,
    readonly env: NodeJS.ProcessEnv,
    readonly prefix: string,
  ) {}

  static async create(name: string): Promise<Pipeline> {
    const { cfg, env, runId } = testEnv(`chaos-${name}`);
    const p = new Pipeline(name, cfg, env, `C${runId.replace(/[^A-Za-z0-9]/g, '').slice(-12)}`);
    const migrator = createPool(cfg.ORDERSYNC_MYSQL_MIGRATE_URL!, { connectionLimit: 1 });
    await migrate(migrator);
    await migrator.end();
    p.writer = createPool(cfg.ORDERSYNC_ERP_WRITER_URL!, { connectionLimit: 8 });
    p.reader = createPool(cfg.ORDERSYNC_ERP_MYSQL_URL, { connectionLimit: 2 });
    p.app = createPool(cfg.ORDERSYNC_MYSQL_URL, { connectionLimit: 2 });
    await initErpSchema(p.writer);
    const [top] = await p.reader.query<RowDataPacket[]>(
      'SELECT COALESCE(MAX(seq), 0) AS s FROM order_events',
    );
    await new CursorRepository(p.app).save(cfg.ORDERSYNC_CURSOR_NAME, {
      position: Number(top[0]!.s),
      gaps: [],
    });
    p.kafka = createKafka(cfg, '-chaos');
    const admin = p.kafka.admin();
    await admin.connect();
    await ensureTopics(admin, topicsFromConfig(cfg), cfg.ORDERSYNC_TOPIC_PARTITIONS);
    await admin.disconnect();
    p.client = await createTemporalClient(cfg);
    return p;
  }

  /** Starts `ordersync <role>` under supervision; `fault` arms a chaos hook in that process only. */
  start(id: string, role: 'worker' | 'consumer', fault?: string) {
    const env = { ...this.env, ...(fault ? { ORDERSYNC_CHAOS_FAULT: fault } : {}) };
    const child = startProcess(role, [], env);
    this.children.set(id, child);
    child.once('exit', (code, signal) => {
      if (!this.supervising || this.children.get(id) !== child) return;
      this.restarts.push(`${id} exited (${signal ?? code}); restarted`);
      log(`${this.name}: ${id} exited (${signal ?? code}); restarting it without the fault`);
      setTimeout(() => this.supervising && this.start(id, role), 500);
    });
  }

  async stop(id: string) {
    const child = this.children.get(id);
    this.children.delete(id);
    if (child) await stopProcess(child);
  }

  async schedule() {
    await upsertPollSchedule(this.client, {
      scheduleId: this.cfg.ORDERSYNC_SCHEDULE_ID,
      taskQueue: this.cfg.ORDERSYNC_TASK_QUEUE,
      everyMs: 1000,
      catchupWindowMs: 60_000,
    });
  }

  simulate(opts: Partial<SimulateOptions>) {
    return simulate(this.writer, { prefix: this.prefix, concurrency: 4, ...opts });
  }

  /** Waits until the target equals the ERP for this prefix and every ERP event has a ledger row. */
  async converge(timeoutMs = 240_000): Promise<VerifyReport> {
    return eventually(
      async () => {
        const r = await verify(this.reader, this.app, this.prefix);
        return r.unaccounted === 0 && r.mismatched.length === 0 ? r : undefined;
      },
      timeoutMs,
      `${this.name} to converge`,
    );
  }

  async erpEvents(): Promise<number> {
    const [r] = await this.reader.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM order_events WHERE order_id LIKE ?',
      [`${this.prefix}%`],
    );
    return Number(r[0]?.n ?? 0);
  }

  async dlq(): Promise<KafkaMessage[]> {
    const topic = topicsFromConfig(this.cfg).dlq;
    const admin = this.kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    const want = ends.reduce((a, p) => a + Number(p.high) - Number(p.low), 0);
    const got: KafkaMessage[] = [];
    if (want === 0) return got;
    const consumer = this.kafka.consumer({
      groupId: `${this.cfg.ORDERSYNC_CONSUMER_GROUP}-dlq-${Date.now()}`,
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void got.push(message) });
    await eventually(async () => got.length >= want, 30_000, 'the DLQ to be read');
    await consumer.disconnect();
    return got;
  }

  async close() {
    this.supervising = false;
    await this.client.schedule
      .getHandle(this.cfg.ORDERSYNC_SCHEDULE_ID)
      .delete()
      .catch(() => undefined);
    await Promise.all([...this.children.values()].map(stopProcess));
    const admin = this.kafka.admin();
    await admin.connect();
    await admin
      .deleteTopics({ topics: Object.values<string>({ ...topicsFromConfig(this.cfg) }) })
      .catch(() => undefined);
    await admin.disconnect();
    await this.client.connection.close();
    await Promise.all([this.writer.end(), this.reader.end(), this.app.end()]);
  }
}

function serverPid(name: 'temporal' | 'kafka' | 'mysql'): number {
  return Number(readFileSync(path.join(dataDir(), `${name}.pid`), 'utf8').trim());
}

async function stopServer(name: 'temporal' | 'kafka' | 'mysql') {
  const pid = serverPid(name);
  process.kill(-pid, 'SIGTERM');
  await eventually(
    async () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    },
    60_000,
    `${name} to stop`,
  );
}

function startServers() {
  execFileSync('bash', [path.join(ROOT, 'scripts', 'infra.sh'), 'up'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

function result(
  name: string,
  report: VerifyReport,
  produced: number,
  recoverySeconds: number,
  extra: Partial<ScenarioResult> = {},
): ScenarioResult {
  const lost = report.unaccounted;
  const pass =
    report.mismatched.length === 0 &&
    report.duplicates === 0 &&
    report.orderingViolations === 0 &&
    lost === 0 &&
    (extra.pass ?? true);
  return {
    scenario: name,
    produced,
    applied: report.appliedEvents,
    skipped: report.skippedEvents,
    dlq: extra.dlq ?? 0,
    lost,
    duplicates: report.duplicates,
    recoverySeconds: Math.round(recoverySeconds * 10) / 10,
    pass,
    notes: [
      ...(extra.notes ?? []),
      ...(report.orderingViolations > 0
        ? [`${report.orderingViolations} ordering violations`]
        : []),
    ],
  };
}

type Scenario = (p: Pipeline) => Promise<ScenarioResult>;

/** Standard shape: start processes, fault during traffic, converge. */
async function withTraffic(
  p: Pipeline,
  setup: {
    consumers?: Record<string, string | undefined>;
    workers?: Record<string, string | undefined>;
  },
  fault: (traffic: Promise<unknown>) => Promise<void>,
  traffic: Partial<SimulateOptions> = { orders: 60, rate: 40 },
) {
  for (const [id, f] of Object.entries(setup.workers ?? { worker: undefined }))
    p.start(id, 'worker', f);
  for (const [id, f] of Object.entries(setup.consumers ?? { consumer: undefined }))
    p.start(id, 'consumer', f);
  await p.schedule();
  const sim = p.simulate(traffic);
  await fault(sim);
  await sim;
  const faultEnd = Date.now();
  const report = await p.converge();
  return { report, recovery: (Date.now() - faultEnd) / 1000, produced: await p.erpEvents() };
}

const killAt =
  (point: string): Scenario =>
  async (p) => {
    const { report, recovery, produced } = await withTraffic(
      p,
      point.startsWith('consumer')
        ? { consumers: { consumer: `${point}:15` } }
        : { workers: { worker: `${point}:20` } },
      async () => {
        await eventually(async () => p.restarts.length > 0, 120_000, `the ${point} kill`);
      },
    );
    return result(p.name, report, produced, recovery, { notes: p.restarts });
  };

/** Stops a server 3 s into the traffic and starts it again 3 s later; Temporal keeps its SQLite file. */
const restartDuringTraffic =
  (server: 'temporal' | 'kafka'): Scenario =>
  async (p) => {
    const { report, recovery, produced } = await withTraffic(p, {}, async () => {
      await sleep(3000);
      log(`restarting ${server}`);
      await stopServer(server);
      await sleep(3000);
      startServers();
    });
    return result(p.name, report, produced, recovery, { notes: p.restarts });
  };

export const SCENARIOS: Record<string, Scenario> = {
  'consumer-kill-before-signal': killAt('consumer-before-signal'),
  'consumer-kill-after-signal': killAt('consumer-after-signal'),
  'worker-kill-in-apply-tx': killAt('worker-in-apply-tx'),

  'mysql-down-30s': async (p) => {
    p.start('worker', 'worker');
    p.start('consumer', 'consumer');
    await p.schedule();
    await p.simulate({ orders: 40 });
    await sleep(1500); // let some of it be in flight
    log('stopping MySQL for 30 s');
    await stopServer('mysql');
    await sleep(30_000);
    startServers();
    const back = Date.now();
    await p.simulate({ orders: 20 });
    const report = await p.converge();
    return result(p.name, report, await p.erpEvents(), (Date.now() - back) / 1000, {
      notes: p.restarts,
    });
  },

  'temporal-restart': restartDuringTraffic('temporal'),
  'kafka-restart': restartDuringTraffic('kafka'),

  rebalance: async (p) => {
    const { report, recovery, produced } = await withTraffic(
      p,
      { consumers: { first: undefined } },
      async () => {
        await sleep(3000);
        log('second consumer joins');
        p.start('second', 'consumer');
        await sleep(5000);
        log('first consumer leaves');
        await p.stop('first');
      },
    );
    return result(p.name, report, produced, recovery, { notes: p.restarts });
  },

  // A member that freezes (a long GC pause, a paused VM) between a hand-over and
  // its commit, for longer than its 10 s session, is fenced out of the group;
  // when it wakes, its heartbeats and its commit are refused. It must rejoin by
  // itself rather than crash, and nothing may be lost or applied twice.
  'consumer-stall': async (p) => {
    // Consumers append to one log; this run's part starts at its current end.
    const logFile = path.join(dataDir(), 'logs', 'consumer.log');
    const logFrom = existsSync(logFile) ? statSync(logFile).size : 0;
    const { report, recovery, produced } = await withTraffic(
      p,
      { consumers: { first: 'consumer-after-signal:15:stall-15000', second: undefined } },
      // The fault is armed in the first consumer's environment; traffic alone triggers it.
      async () => undefined,
      { orders: 120, rate: 6 },
    );
    const stalled = readFileSync(logFile)
      .subarray(logFrom)
      .toString()
      .includes('[chaos] stall at consumer-after-signal over');
    const alive = p.restarts.length === 0;
    return result(p.name, report, produced, recovery, {
      pass: alive && stalled,
      notes: [
        stalled
          ? 'the first consumer stalled 15 s after its 15th hand-over'
          : 'THE STALL NEVER HAPPENED',
        alive ? 'no process crashed' : `processes restarted: ${p.restarts.join('; ')}`,
      ],
    });
  },

  duplicates: async (p) => {
    const { report: first, produced } = await withTraffic(p, {}, async () => undefined, {
      orders: 40,
    });
    // Roll the cursor back to the start while no poll runs: every event is produced a second time.
    const handle = p.client.schedule.getHandle(p.cfg.ORDERSYNC_SCHEDULE_ID);
    await handle.pause('chaos: rolling the cursor back');
    await sleep(3000);
    const [min] = await p.reader.query<RowDataPacket[]>(
      'SELECT MIN(seq) - 1 AS s FROM order_events WHERE order_id LIKE ?',
      [`${p.prefix}%`],
    );
    await new CursorRepository(p.app).save(p.cfg.ORDERSYNC_CURSOR_NAME, {
      position: Number(min[0]!.s),
      gaps: [],
    });
    const rolled = Date.now();
    await handle.unpause('chaos: cursor rolled back');
    // Converged already; wait until the re-produced events have passed through, then re-check.
    await eventually(
      async () => {
        const [c] = await p.app.query<RowDataPacket[]>(
          'SELECT position FROM poll_cursor WHERE name = ?',
          [p.cfg.ORDERSYNC_CURSOR_NAME],
        );
        const [m] = await p.reader.query<RowDataPacket[]>(
          'SELECT MAX(seq) AS s FROM order_events WHERE order_id LIKE ?',
          [`${p.prefix}%`],
        );
        return Number(c[0]!.position) >= Number(m[0]!.s);
      },
      60_000,
      'the re-produce to finish',
    );
    await sleep(8000);
    const report = await p.converge();
    const pass =
      report.appliedEvents === first.appliedEvents && report.skippedEvents === first.skippedEvents;
    return result(p.name, report, produced, (Date.now() - rolled) / 1000, {
      pass,
      notes: pass
        ? ['every event produced twice; the second copies changed nothing']
        : ['ledger changed after re-delivery'],
    });
  },

  'late-commits': async (p) => {
    const { report, recovery, produced } = await withTraffic(p, {}, async () => undefined, {
      orders: 60,
      concurrency: 8,
      lateCommitProbability: 0.5,
      lateCommitMs: 1500,
    });
    return result(p.name, report, produced, recovery, {
      notes: ['half the ERP transactions commit 1.5 s after taking their sequence'],
    });
  },

  poison: async (p) => {
    p.start('worker', 'worker');
    p.start('consumer', 'consumer');
    await p.schedule();
    const sim = await p.simulate({ orders: 30, poisonOrders: 3 });
    const poisoned = sim.orderIds.slice(0, 3);
    const orders = new OrderWorkflowClient(p.client, {
      taskQueue: p.cfg.ORDERSYNC_TASK_QUEUE,
      workflowOptions: {},
    });
    for (const id of poisoned) {
      await eventually(
        async () => (await orders.status(id)).state === 'blocked',
        120_000,
        `${id} to be blocked`,
      );
    }
    // The others proceed: every non-poisoned order reaches the ERP state.
    const others = await eventually(
      async () => {
        const r = await verify(p.reader, p.app, p.prefix);
        const bad = new Set(r.mismatched.map((m) => m.orderId));
        return poisoned.every((id) => bad.has(id)) && bad.size === poisoned.length ? r : undefined;
      },
      120_000,
      'the healthy orders to converge',
    );
    // Correct the data in the ERP: the poisoned snapshot is the order's last
    // update; its total (in the change log and the orders table) becomes the
    // sum of its lines. Then replay each order.
    for (const id of poisoned) {
      const [lines] = await p.writer.query<RowDataPacket[]>(
        'SELECT SUM(qty * unit_price) AS t FROM order_lines WHERE order_id = ?',
        [id],
      );
      const total = Number(lines[0]!.t).toFixed(2);
      const [last] = await p.writer.query<RowDataPacket[]>(
        "SELECT MAX(version) AS v FROM order_events WHERE order_id = ? AND type <> 'invoice_creation'",
        [id],
      );
      await p.writer.query('UPDATE orders SET total = ? WHERE order_id = ?', [total, id]);
      await p.writer.query(
        "UPDATE order_events SET payload = JSON_SET(payload, '$.total', ?) WHERE order_id = ? AND version = ?",
        [total, id, Number(last[0]!.v)],
      );
    }
    const fixedAt = Date.now();
    for (const id of poisoned) {
      execFileSync(process.execPath, [path.join(ROOT, 'bin', 'ordersync'), 'replay', id], {
        env: p.env,
        stdio: 'ignore',
      });
    }
    const report = await p.converge();
    return result(p.name, report, await p.erpEvents(), (Date.now() - fixedAt) / 1000, {
      notes: [
        `${poisoned.length} poisoned orders blocked alone (${others.matching} others matched), replayed after the ERP fix`,
      ],
    });
  },

  'bad-input': async (p) => {
    p.start('worker', 'worker');
    p.start('consumer', 'consumer');
    await p.schedule();
    const traffic = p.simulate({ orders: 30, rate: 40 });
    let i = 0;
    const cases = badInputCorpus(() => `${p.prefix}-X${String(++i).padStart(3, '0')}`);
    const topics = topicsFromConfig(p.cfg);
    // Idempotent: a retried send must not put a second copy of a case on the topic.
    const producer = p.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (const c of cases) {
      await producer.send({ topic: topics[c.channel], messages: [{ key: c.key, value: c.value }] });
    }
    const dupOrder = `${p.prefix}-XDUP`;
    const [firstCopy, secondCopy] = duplicateEventIdPair(dupOrder);
    await producer.send({ topic: topics.online, messages: [{ key: dupOrder, value: firstCopy }] });
    await producer.send({ topic: topics.online, messages: [{ key: dupOrder, value: secondCopy }] });
    await producer.disconnect();
    await traffic;
    const started = Date.now();
    // The simulated orders still converge, untouched by the bad input.
    const report = await p.converge();
    const expectDlq = cases.filter((c) => c.expect.outcome === 'dlq');
    const expectApplied = cases.flatMap((c) =>
      c.expect.outcome === 'applied' ? [c.expect.orderId] : [],
    );
    let seenInDlq = 0;
    const dlq = await eventually(
      async () => {
        const m = await p.dlq();
        seenInDlq = m.length;
        return m.length >= expectDlq.length ? m : undefined;
      },
      60_000,
      'every bad message in the DLQ',
    ).catch((err: Error) => {
      throw new Error(`${err.message} (${seenInDlq} of ${expectDlq.length} arrived)`);
    });
    const reasons = new Map<string, number>();
    for (const m of dlq) {
      const r = m.headers?.[HEADERS.dlqReason]?.toString() ?? '?';
      reasons.set(r, (reasons.get(r) ?? 0) + 1);
    }
    const wanted = new Map<string, number>();
    for (const c of expectDlq)
      if (c.expect.outcome === 'dlq')
        wanted.set(c.expect.reason, (wanted.get(c.expect.reason) ?? 0) + 1);
    const reasonsMatch =
      [...wanted].every(([r, n]) => reasons.get(r) === n) && dlq.length === expectDlq.length;
    const appliedRows = await eventually(
      async () => {
        const [rows] = await p.app.query<RowDataPacket[]>(
          'SELECT order_id FROM orders WHERE order_id IN (?)',
          [[...expectApplied, dupOrder]],
        );
        return rows.length === expectApplied.length + 1 ? rows : undefined;
      },
      60_000,
      'the valid corpus cases to be applied',
    );
    const [dupLedger] = await p.app.query<RowDataPacket[]>(
      'SELECT outcome FROM applied_events WHERE order_id = ?',
      [dupOrder],
    );
    const [dupRow] = await p.app.query<RowDataPacket[]>(
      'SELECT total FROM orders WHERE order_id = ?',
      [dupOrder],
    );
    const firstTotal = (JSON.parse(firstCopy) as { data: { total: string } }).data.total;
    const dupOk =
      dupLedger.length === 1 && String(dupRow[0]?.total) === Number(firstTotal).toFixed(2);
    const alive =
      [...p.children.values()].every((c) => c.exitCode === null) && p.restarts.length === 0;
    return result(
      p.name,
      report,
      (await p.erpEvents()) + cases.length + 2,
      (Date.now() - started) / 1000,
      {
        dlq: dlq.length,
        pass: reasonsMatch && appliedRows.length === expectApplied.length + 1 && dupOk && alive,
        notes: [
          `${cases.length} corpus cases: ${dlq.length} dead-lettered (${[...reasons].map(([r, n]) => `${r} ${n}`).join(', ')}), ${expectApplied.length} valid applied`,
          dupOk
            ? 'same eventId with another payload: first copy kept, second skipped'
            : 'DUPLICATE EVENT ID HANDLED WRONGLY',
          alive ? 'no process crashed' : `processes restarted: ${p.restarts.join('; ')}`,
        ],
      },
    );
  },
};

export async function runScenario(name: string): Promise<ScenarioResult> {
  const scenario = SCENARIOS[name];
  if (!scenario)
    throw new Error(`unknown scenario ${name}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  log(`--- ${name}`);
  const p = await Pipeline.create(name);
  try {
    return await scenario(p);
  } catch (err) {
    return {
      scenario: name,
      produced: await p.erpEvents().catch(() => 0),
      applied: 0,
      skipped: 0,
      dlq: 0,
      lost: -1,
      duplicates: -1,
      recoverySeconds: -1,
      pass: false,
      notes: [`scenario failed: ${(err as Error).message}`],
    };
  } finally {
    await p.close().catch((err: unknown) => log(`cleanup of ${name}: ${(err as Error).message}`));
  }
}
