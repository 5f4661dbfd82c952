/**
 * `npm run bench`: ordersync, the seed article's direct consumer (baseline) and
 * raw Temporal (ceiling), in turn, on the same machine and servers.
 *
 *   --orders N       orders per run (default 2000; --quick: 300)
 *   --updates P      update probability (default 0.6: about 3.5 events per order)
 *   --json FILE      write the results as JSON
 *   --chart FILE     draw throughput and latency as SVG
 *   --quick          a small run for iteration (about 2 minutes)
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { Command, Option } from 'commander';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { dataDir } from '../src/config';
import type { Config } from '../src/config';
import { startProcess, stopProcess } from '../src/cli/demo';
import { CursorRepository } from '../src/db/cursor-repository';
import { migrate } from '../src/db/migrate';
import { createPool } from '../src/db/pool';
import { fromSqlDateTime } from '../src/db/time';
import { initErpSchema, simulate } from '../src/erp/simulator';
import { createKafka } from '../src/kafka/client';
import { ensureTopics, topicsFromConfig } from '../src/kafka/topics';
import { upsertPollSchedule } from '../src/temporal/schedule';
import { verify } from '../src/verify';
import { eventually, testEnv } from '../test/support/env';
import { BASELINE_DDL } from './baseline-consumer';
import { ceilingEvent, ceilingWorkflow } from './ceiling-workflow';

interface ProcUsage {
  name: string;
  cpuSeconds: number;
  peakRssMb: number;
}

interface SystemResult {
  events: number;
  wallSeconds: number;
  eventsPerSec: number;
  p50LagMs: number | null;
  p95LagMs: number | null;
  p99LagMs: number | null;
  lagFrom: string;
  violations: number;
  lost: number;
  duplicates: number;
  actionsPerEvent: number | null;
  actionsCounted: string;
  processes: ProcUsage[];
}

const CLK_TCK = 100;

/** CPU seconds (user+system) and lifetime peak RSS of a live process, from /proc. */
function usage(pid: number | undefined): { cpu: number; rssMb: number } | null {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpu = (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return { cpu, rssMb: hwm ? Number(hwm[1]) / 1024 : 0 };
  } catch {
    return null;
  }
}

function serverPids(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of ['temporal', 'kafka', 'mysql']) {
    try {
      out[name] = Number(readFileSync(path.join(dataDir(), `${name}.pid`), 'utf8').trim());
    } catch {
      // an external server (e.g. an existing MySQL): not measured
    }
  }
  return out;
}

/** Measures CPU used between start() and stop() by our children and the servers. */
function meter(children: Record<string, ChildProcess>) {
  const servers = serverPids();
  const before = new Map<string, number>();
  for (const [name, pid] of Object.entries(servers)) before.set(name, usage(pid)?.cpu ?? 0);
  for (const [name, c] of Object.entries(children)) before.set(name, usage(c.pid)?.cpu ?? 0);
  before.set(
    'bench (this process)',
    process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6,
  );
  return (): ProcUsage[] => {
    const rows: ProcUsage[] = [];
    for (const [name, c] of Object.entries(children)) {
      const u = usage(c.pid);
      if (u) rows.push({ name, cpuSeconds: u.cpu - (before.get(name) ?? 0), peakRssMb: u.rssMb });
    }
    for (const [name, pid] of Object.entries(servers)) {
      const u = usage(pid);
      if (u)
        rows.push({
          name: `${name} server`,
          cpuSeconds: u.cpu - (before.get(name) ?? 0),
          peakRssMb: u.rssMb,
        });
    }
    const self = process.cpuUsage();
    rows.push({
      name: 'bench (this process)',
      cpuSeconds: (self.user + self.system) / 1e6 - (before.get('bench (this process)') ?? 0),
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    });
    return rows.map((r) => ({
      ...r,
      cpuSeconds: Math.round(r.cpuSeconds * 10) / 10,
      peakRssMb: Math.round(r.peakRssMb),
    }));
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const ms = (sqlTime: string) => Date.parse(fromSqlDateTime(sqlTime));

async function rows(pool: Pool, sql: string, params: unknown[]): Promise<RowDataPacket[]> {
  const [r] = await pool.query<RowDataPacket[]>(sql, params);
  return r;
}

function log(msg: string) {
  process.stderr.write(`[bench] ${msg}\n`);
}

/** Counts history events that Temporal bills as actions, over a sample of order workflows. */
async function actionsPerEvent(
  client: Client,
  orderIds: string[],
  eventsPerOrder: Map<string, number>,
) {
  // Matched by attribute, so no enum table is needed.
  const billable = [
    'workflowExecutionStartedEventAttributes',
    'workflowExecutionSignaledEventAttributes',
    'activityTaskScheduledEventAttributes',
    'timerStartedEventAttributes',
    'upsertWorkflowSearchAttributesEventAttributes',
    'workflowExecutionContinuedAsNewEventAttributes',
    'markerRecordedEventAttributes', // local activities: billed as one action each
  ] as const;
  let actions = 0;
  let events = 0;
  for (const id of orderIds) {
    const history = await client.workflow.getHandle(id).fetchHistory();
    for (const e of history.events ?? []) {
      if (billable.some((k) => e[k] !== null && e[k] !== undefined)) actions++;
    }
    events += eventsPerOrder.get(id) ?? 0;
  }
  return events > 0 ? actions / events : null;
}

async function runOrdersync(
  cfg: Config,
  env: NodeJS.ProcessEnv,
  client: Client,
  opts: Opts,
  prefix: string,
) {
  const reader = createPool(cfg.ORDERSYNC_ERP_MYSQL_URL, { connectionLimit: 2 });
  const app = createPool(cfg.ORDERSYNC_MYSQL_URL, { connectionLimit: 2 });
  const writer = createPool(cfg.ORDERSYNC_ERP_WRITER_URL!, { connectionLimit: 8 });
  const children: Record<string, ChildProcess> = {};
  // Fixed metrics ports, so Prometheus or curl can watch a run: workers 9471.., consumers 9481..
  const metrics = (role: string, port: number) => {
    log(`${role}: http://127.0.0.1:${port}/metrics`);
    return ['--metrics-address', `127.0.0.1:${port}`];
  };
  for (let i = 1; i <= opts.workers; i++)
    children[`worker ${i}`] = startProcess('worker', metrics(`worker ${i}`, 9470 + i), env);
  for (let i = 1; i <= opts.consumers; i++)
    children[`consumer ${i}`] = startProcess('consumer', metrics(`consumer ${i}`, 9480 + i), env);
  try {
    await upsertPollSchedule(client, {
      scheduleId: cfg.ORDERSYNC_SCHEDULE_ID,
      taskQueue: cfg.ORDERSYNC_TASK_QUEUE,
      everyMs: 1000,
      catchupWindowMs: 60_000,
    });
    // Warm-up: worker bundle, consumer group join, first workflows.
    const warm = await simulate(writer, { orders: 20, prefix: `${prefix}W`, concurrency: 4 });
    await eventually(
      async () => (await verify(reader, app, `${prefix}W`)).unaccounted === 0,
      180_000,
      'warm-up',
    );
    log(`warm-up done (${warm.events} events); measuring ${opts.orders} orders`);

    const stop = meter(children);
    const sim = await simulate(writer, {
      orders: opts.orders,
      prefix,
      concurrency: 4,
      updateProbability: opts.updates,
      onEvent: (w, planned) => {
        if (w % 1000 === 0) log(`ERP written ${w}/${planned}`);
      },
    });
    let lastLog = 0;
    const report = await eventually(
      async () => {
        for (const [name, c] of Object.entries(children))
          if (c.exitCode !== null) throw new Error(`${name} exited`);
        const r = await verify(reader, app, prefix);
        if (Date.now() - lastLog > 5000) {
          lastLog = Date.now();
          log(`applied+skipped ${r.appliedEvents + r.skippedEvents}/${sim.events}`);
        }
        return r.unaccounted === 0 && r.mismatched.length === 0 ? r : undefined;
      },
      opts.timeoutMs,
      'ordersync to apply every event',
    );
    const processes = stop();
    const erpTimes = await rows(
      reader,
      'SELECT event_id, occurred_at FROM order_events WHERE order_id LIKE ?',
      [`${prefix}-%`],
    );
    const applied = await rows(
      app,
      'SELECT event_id, applied_at FROM applied_events WHERE order_id LIKE ?',
      [`${prefix}-%`],
    );
    const occurred = new Map(erpTimes.map((r) => [String(r.event_id), ms(String(r.occurred_at))]));
    const lags = applied
      .map((r) => ms(String(r.applied_at)) - (occurred.get(String(r.event_id)) ?? 0))
      .sort((a, b) => a - b);
    const first = Math.min(...occurred.values());
    const last = Math.max(...applied.map((r) => ms(String(r.applied_at))));
    const wall = (last - first) / 1000;
    const perOrder = new Map<string, number>();
    for (const r of await rows(
      reader,
      'SELECT order_id, COUNT(*) AS n FROM order_events WHERE order_id LIKE ? GROUP BY order_id',
      [`${prefix}-%`],
    )) {
      perOrder.set(String(r.order_id), Number(r.n));
    }
    const sample = sim.orderIds.slice(0, Math.min(200, sim.orderIds.length));
    const ape = await actionsPerEvent(client, sample, perOrder);
    const result: SystemResult = {
      events: sim.events,
      wallSeconds: round(wall),
      eventsPerSec: round(sim.events / wall),
      p50LagMs: percentile(lags, 50),
      p95LagMs: percentile(lags, 95),
      p99LagMs: percentile(lags, 99),
      lagFrom: 'ERP commit (occurred_at) → MySQL apply',
      violations: report.orderingViolations,
      lost: report.unaccounted,
      duplicates: report.duplicates,
      actionsPerEvent: ape === null ? null : round(ape),
      actionsCounted: `history events Temporal bills as actions (start, signal, activity scheduled, local-activity marker, timer, search-attribute upsert, continue-as-new), over ${sample.length} sampled orders`,
      processes,
    };
    return { result, orderIds: sim.orderIds, perOrder };
  } finally {
    await client.schedule
      .getHandle(cfg.ORDERSYNC_SCHEDULE_ID)
      .delete()
      .catch(() => undefined);
    await Promise.all(Object.values(children).map(stopProcess));
    await Promise.all([reader.end(), app.end(), writer.end()]);
  }
}

async function runBaseline(
  cfg: Config,
  env: NodeJS.ProcessEnv,
  opts: Opts,
  prefix: string,
  expected: number,
) {
  const migrator = createPool(cfg.ORDERSYNC_MYSQL_MIGRATE_URL!, { connectionLimit: 1 });
  for (const ddl of BASELINE_DDL) await migrator.query(ddl);
  await migrator.end();
  const app = createPool(cfg.ORDERSYNC_MYSQL_URL, { connectionLimit: 2 });
  const reader = createPool(cfg.ORDERSYNC_ERP_MYSQL_URL, { connectionLimit: 2 });
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(__dirname, 'baseline-consumer.ts'),
      `${cfg.ORDERSYNC_CONSUMER_GROUP}-baseline`,
    ],
    {
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const stop = meter({ 'baseline consumer': child });
  try {
    const count = async () =>
      Number(
        (
          await rows(
            app,
            'SELECT COUNT(*) AS n FROM bench_baseline_applies WHERE order_id LIKE ?',
            [`${prefix}-%`],
          )
        )[0]?.n ?? 0,
      );
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error('baseline consumer exited');
        return (await count()) >= expected;
      },
      opts.timeoutMs,
      'the baseline to apply every event',
    );
    const processes = stop();
    const applies = await rows(
      app,
      'SELECT event_id, order_id, erp_version, kafka_ts, applied_at FROM bench_baseline_applies WHERE order_id LIKE ? ORDER BY seq',
      [`${prefix}-%`],
    );
    // The same oracle as for ordersync: a version applied after a newer one of the same order is a violation.
    const lastV = new Map<string, number>();
    const seen = new Map<string, number>();
    let violations = 0;
    for (const a of applies) {
      const o = String(a.order_id);
      const v = Number(a.erp_version);
      if (v <= (lastV.get(o) ?? 0)) violations++;
      lastV.set(o, Math.max(v, lastV.get(o) ?? 0));
      seen.set(String(a.event_id), (seen.get(String(a.event_id)) ?? 0) + 1);
    }
    const erpIds = await rows(reader, 'SELECT event_id FROM order_events WHERE order_id LIKE ?', [
      `${prefix}-%`,
    ]);
    const lost = erpIds.filter((r) => !seen.has(String(r.event_id))).length;
    const duplicates = [...seen.values()].filter((n) => n > 1).length;
    const first = Math.min(...applies.map((a) => ms(String(a.applied_at))));
    const last = Math.max(...applies.map((a) => ms(String(a.applied_at))));
    const wall = Math.max(0.001, (last - first) / 1000);
    const result: SystemResult = {
      events: applies.length,
      wallSeconds: round(wall),
      eventsPerSec: round(applies.length / wall),
      // Fed from a backlog already in Kafka, so commit-to-apply lag would only measure how long it waited.
      p50LagMs: null,
      p95LagMs: null,
      p99LagMs: null,
      lagFrom: 'not measured: the baseline consumes a backlog; wall time is first to last apply',
      violations,
      lost,
      duplicates,
      actionsPerEvent: 0,
      actionsCounted: 'no Temporal',
      processes,
    };
    return result;
  } finally {
    await stopProcess(child);
    await Promise.all([app.end(), reader.end()]);
  }
}

async function runCeiling(
  cfg: Config,
  client: Client,
  runId: string,
  perOrder: Map<string, number>,
) {
  const taskQueue = `${cfg.ORDERSYNC_TASK_QUEUE}-ceiling`;
  const worker = await Worker.create({
    connection: await NativeConnection.connect({ address: cfg.ORDERSYNC_TEMPORAL_ADDRESS }),
    namespace: cfg.ORDERSYNC_TEMPORAL_NAMESPACE,
    taskQueue,
    workflowsPath: require.resolve('./ceiling-workflow'),
    activities: { trivialApply: async (v: number) => v },
    maxCachedWorkflows: 2000,
  });
  const running = worker.run();
  const stop = meter({});
  const keys = [...perOrder.entries()];
  const started = Date.now();
  try {
    let next = 0;
    // One lane per key at a time, like the consumer: a key's signals go in order.
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < keys.length) {
          const [key, n] = keys[next++]!;
          for (let i = 1; i <= n; i++) {
            await client.workflow.signalWithStart(ceilingWorkflow, {
              workflowId: `ceiling-${runId}-${key}`,
              taskQueue,
              args: [n],
              signal: ceilingEvent,
              signalArgs: [i],
            });
          }
        }
      }),
    );
    for (const [key] of keys) await client.workflow.getHandle(`ceiling-${runId}-${key}`).result();
    const wall = (Date.now() - started) / 1000;
    const events = keys.reduce((a, [, n]) => a + n, 0);
    return {
      events,
      wallSeconds: round(wall),
      eventsPerSec: round(events / wall),
      processes: stop(),
    };
  } finally {
    worker.shutdown();
    await running;
  }
}

const round = (n: number) => Math.round(n * 100) / 100;

interface Opts {
  orders: number;
  updates: number;
  workers: number;
  consumers: number;
  json?: string;
  chart?: string;
  quick?: boolean;
  timeoutMs: number;
}

function table(results: {
  ordersync: SystemResult;
  baseline: SystemResult;
  ceiling: { events: number; wallSeconds: number; eventsPerSec: number };
}) {
  const cols = [
    'events',
    'wall s',
    'events/s',
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'violations',
    'lost',
    'dup',
    'actions/event',
  ];
  const line = (name: string, r: Partial<SystemResult>) =>
    [
      name.padEnd(10),
      ...[
        r.events,
        r.wallSeconds,
        r.eventsPerSec,
        r.p50LagMs,
        r.p95LagMs,
        r.p99LagMs,
        r.violations,
        r.lost,
        r.duplicates,
        r.actionsPerEvent,
      ].map((v) => String(v ?? '-').padStart(cols[0]!.length + 4)),
    ].join(' ');
  console.log(['system'.padEnd(10), ...cols.map((c) => c.padStart(10))].join(' '));
  console.log(line('ordersync', results.ordersync));
  console.log(line('baseline', results.baseline));
  console.log(line('ceiling', results.ceiling));
}

function svg(
  file: string,
  r: { ordersync: SystemResult; baseline: SystemResult; ceiling: { eventsPerSec: number } },
) {
  const bars = [
    ['ordersync', r.ordersync.eventsPerSec],
    ['baseline', r.baseline.eventsPerSec],
    ['ceiling', r.ceiling.eventsPerSec],
  ] as const;
  const lat = [
    ['ordersync p50', r.ordersync.p50LagMs],
    ['ordersync p95', r.ordersync.p95LagMs],
    ['ordersync p99', r.ordersync.p99LagMs],
  ] as const;
  const maxT = Math.max(...bars.map((b) => b[1]), 1);
  const maxL = Math.max(...lat.map((b) => b[1] ?? 0), 1);
  const bar = (x: number, i: number, label: string, v: number, max: number, unit: string) => {
    const h = (v / max) * 220;
    return `<rect x="${x + i * 70}" y="${260 - h}" width="50" height="${h}" fill="#4a78b5"/><text x="${x + i * 70 + 25}" y="${255 - h}" font-size="11" text-anchor="middle">${v}${unit}</text><text x="${x + i * 70 + 25}" y="278" font-size="10" text-anchor="middle">${label}</text>`;
  };
  const body = [
    '<text x="20" y="20" font-size="14">Throughput (events/s)</text>',
    ...bars.map((b, i) => bar(20, i, b[0], b[1], maxT, '')),
    '<text x="280" y="20" font-size="14">ordersync latency, ERP commit to apply (ms)</text>',
    ...lat.map((b, i) => bar(280, i, b[0], b[1] ?? 0, maxL, '')),
  ].join('');
  writeFileSync(
    file,
    `<svg xmlns="http://www.w3.org/2000/svg" width="580" height="300" font-family="sans-serif">${body}</svg>\n`,
  );
}

async function main() {
  const program = new Command('bench')
    .description(
      'ordersync vs the direct-consumer baseline vs the raw-Temporal ceiling, on this machine',
    )
    .addOption(new Option('--orders <n>', 'orders per run').argParser(Number))
    .addOption(new Option('--updates <p>', 'update probability').argParser(Number).default(0.6))
    .addOption(
      new Option('--workers <n>', 'ordersync worker processes').argParser(Number).default(1),
    )
    .addOption(
      new Option('--consumers <n>', 'ordersync consumer processes').argParser(Number).default(1),
    )
    .option('--json <file>', 'write results as JSON')
    .option('--chart <file>', 'write an SVG chart')
    .option('--quick', 'a small run for iteration')
    .parse(process.argv);
  const o = program.opts<Omit<Opts, 'timeoutMs'> & { orders?: number }>();
  const opts: Opts = {
    ...o,
    orders: o.orders ?? (o.quick ? 300 : 2000),
    timeoutMs: o.quick ? 100_000 : 600_000,
  };

  const { cfg, env, runId } = testEnv('bench');
  const migrator = createPool(cfg.ORDERSYNC_MYSQL_MIGRATE_URL!, { connectionLimit: 1 });
  await migrate(migrator);
  await migrator.end();
  const writer = createPool(cfg.ORDERSYNC_ERP_WRITER_URL!, { connectionLimit: 1 });
  await initErpSchema(writer);
  await writer.end();
  const reader = createPool(cfg.ORDERSYNC_ERP_MYSQL_URL, { connectionLimit: 1 });
  const app = createPool(cfg.ORDERSYNC_MYSQL_URL, { connectionLimit: 1 });
  const [top] = await reader.query<RowDataPacket[]>(
    'SELECT COALESCE(MAX(seq), 0) AS s FROM order_events',
  );
  await new CursorRepository(app).save(cfg.ORDERSYNC_CURSOR_NAME, {
    position: Number(top[0]!.s),
    gaps: [],
  });
  await Promise.all([reader.end(), app.end()]);
  const kafka = createKafka(cfg, '-bench');
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, topicsFromConfig(cfg), 12);
  const connection = await Connection.connect({ address: cfg.ORDERSYNC_TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: cfg.ORDERSYNC_TEMPORAL_NAMESPACE });
  const prefix = `B${runId.replace(/[^A-Za-z0-9]/g, '').slice(-10)}`;
  try {
    log(
      `1/3 ordersync: ${opts.orders} orders, ${opts.workers} worker(s), ${opts.consumers} consumer(s)`,
    );
    const os = await runOrdersync(
      cfg,
      { ...env, ORDERSYNC_TOPIC_PARTITIONS: '12' },
      client,
      opts,
      prefix,
    );
    log(
      `2/3 baseline: direct kafkajs consumer group → MySQL on the same ${os.result.events} events`,
    );
    const baseline = await runBaseline(cfg, env, opts, prefix, os.result.events);
    log(`3/3 ceiling: raw Temporal signalWithStart, ${os.perOrder.size} keys`);
    const ceiling = await runCeiling(cfg, client, runId, os.perOrder);
    const results = {
      machine: {
        cpus: (await import('node:os')).cpus().length,
        node: process.version,
        orders: opts.orders,
      },
      ordersync: os.result,
      baseline,
      ceiling,
      ratios: {
        vsBaseline: round(os.result.eventsPerSec / baseline.eventsPerSec),
        vsCeiling: round(os.result.eventsPerSec / ceiling.eventsPerSec),
      },
      targets: {
        vsCeiling: '>= 0.8',
        vsBaseline: '>= 0.5',
        actionsPerEvent: '<= 1.5',
        correctness: '0 violations, 0 lost, 0 duplicates',
      },
    };
    table(results);
    console.log(
      `\nratios: ordersync/baseline ${results.ratios.vsBaseline}, ordersync/ceiling ${results.ratios.vsCeiling}`,
    );
    console.log('\nprocess usage during each run (CPU s; peak RSS MB over the process lifetime):');
    for (const [name, r] of [
      ['ordersync', os.result.processes],
      ['baseline', baseline.processes],
      ['ceiling', ceiling.processes],
    ] as const) {
      console.log(
        `  ${name}: ${r.map((p) => `${p.name} ${p.cpuSeconds}s/${p.peakRssMb}MB`).join(', ')}`,
      );
    }
    if (opts.json) writeFileSync(opts.json, `${JSON.stringify(results, null, 2)}\n`);
    if (opts.chart) svg(opts.chart, results);
    const ok = os.result.violations === 0 && os.result.lost === 0 && os.result.duplicates === 0;
    if (!ok) process.exitCode = 1;
  } finally {
    await admin
      .deleteTopics({ topics: Object.values<string>({ ...topicsFromConfig(cfg) }) })
      .catch(() => undefined);
    await admin.disconnect();
    await connection.close();
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
