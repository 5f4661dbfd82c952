/**
 * `npm run bench`: ordersync, the seed article's direct consumer (baseline),
 * raw Temporal with one activity per event (ceiling) and raw Temporal in
 * ordersync's own shape (floor), in turn, on the same machine and servers.
 * One file per measured system under systems/, CPU metering in metering.ts,
 * action counting in actions.ts, output in report.ts; the pipeline set-up is
 * test/support/pipeline.ts. `npm run bench -- --help` lists every flag.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { Command, Option } from 'commander';
import { describeTopology, parseTopology, requireProductionTopology } from '../chaos/topology';
import { TestPipeline } from '../test/support/pipeline';
import type { BenchOptions, Profile } from './common';
import { cpuMsPerEvent, log, median, positiveInt, round } from './common';
import { meteredWindows } from './metering';
import { WINDOWS_FILE } from './profile-summary';
import type { BenchResults } from './report';
import { printTable, writeSvg } from './report';
import { runBaseline } from './systems/baseline';
import { runCeiling } from './systems/ceiling';
import { runFloor } from './systems/floor';
import { runPipelineFloor } from './systems/pipeline-floor';
import { runOrdersync } from './systems/ordersync';
import { FIXTURES, resolveErpBench } from './erp-fixture';
import { resolveTargetMapping } from './target-mapping';

const SYSTEMS = ['baseline', 'ceiling', 'floor', 'pipeline-floor', 'floor-update'] as const;
const DEFAULT_SYSTEMS = ['baseline', 'ceiling', 'floor', 'pipeline-floor'];

function parseOptions(): BenchOptions {
  const num = (flag: string) => (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${flag} must be a number >= 0, got ${v}`);
    return n;
  };
  const program = new Command('bench')
    .description(
      "ordersync against the direct-consumer baseline, the raw-Temporal ceiling (one activity per event) and the raw-Temporal floor (ordersync's shape without Kafka or MySQL), on this machine",
    )
    .addOption(
      new Option('--orders <n>', 'orders in the burst (default 2000; --quick: 300)').argParser(
        num('--orders'),
      ),
    )
    .addOption(
      new Option('--updates <p>', 'update probability (about 2 + p/(1-p) events per order)')
        .argParser(num('--updates'))
        .default(0.6),
    )
    .addOption(
      new Option('--workers <n>', 'ordersync worker processes')
        .argParser(num('--workers'))
        .default(1),
    )
    .addOption(
      new Option('--consumers <n>', 'ordersync consumer processes')
        .argParser(num('--consumers'))
        .default(1),
    )
    .addOption(
      new Option(
        '--rate <r>',
        'steady phase: ERP events/s written at a fixed rate (default: half the burst peak of this run; without a burst, steady runs only with --rate); also caps the spread phase',
      ).argParser(num('--rate')),
    )
    .addOption(
      new Option(
        '--duration <s>',
        'steady phase: seconds of writing at --rate; 0 skips it (default 60; --quick: 15)',
      ).argParser(num('--duration')),
    )
    .addOption(
      new Option(
        '--profile <p>',
        "burst: every order written back to back; spread: each order's events --event-gap apart, so a hand-over carries about one event; all: both",
      )
        .choices(['burst', 'spread', 'all'])
        .default('all'),
    )
    .addOption(
      new Option('--event-gap <ms>', 'spread phase: pause between two events of one order')
        .argParser(num('--event-gap'))
        .default(5000),
    )
    .addOption(
      new Option(
        '--open-workflows <n>',
        'after the burst, open N idle order workflows (more than the worker caches), then run the burst again and compare (not run by default)',
      )
        .argParser(num('--open-workflows'))
        .default(0),
    )
    .addOption(
      new Option(
        '--rounds <n>',
        'paired rounds of an ordersync burst then the floor on its events; the floor ratio is their median (default 3; --quick: 1)',
      ).argParser(positiveInt),
    )
    .addOption(
      new Option(
        '--systems <list>',
        `comparison systems to run, comma-separated, from ${SYSTEMS.join(',')} (pipeline-floor: ERP to MySQL with the least code, in the floor's rounds, so it needs floor; floor-update: the floor handing over by Update-with-Start); "none" for ordersync only`,
      ).default(DEFAULT_SYSTEMS.join(',')),
    )
    .option(
      '--cpu-prof <dir>',
      "run ordersync's worker and consumer and the floor's worker under node --cpu-prof, profiles written to <dir>",
    )
    .option(
      '--topology <name>',
      "dev (default: the servers as they are) or production: three Kafka brokers and Temporal's own server on PostgreSQL, started by scripts/ensure.sh and checked here",
      'dev',
    )
    .option(
      '--erp <mapping>',
      "read an ERP fixture's own tables through the query source: erpnext, odoo or a mapping directory (its fixture: --erp-fixture, else by its dialect); the burst only, the poll in its own process, the floors fed the events it produced",
    )
    .addOption(
      new Option(
        '--erp-fixture <name>',
        'whose tables the fixture writer fills for a mapping directory',
      ).choices(FIXTURES),
    )
    .option(
      '--erp-lookback <duration>',
      "the query source's look-back (ORDERSYNC_ERP_LOOKBACK) for --erp; the product default when absent",
    )
    .option(
      '--target <mapping>',
      'write through a target mapping (the sql target): magento or a mapping directory; its fixture/schema.sql, if any, is installed first, and the oracle reads back through read_order.sql',
    )
    .option('--json <file>', 'write results as JSON')
    .option('--chart <file>', 'write an SVG chart')
    .option('--quick', 'a small run for iteration (300 orders, 15 s steady, about 4 minutes)')
    .parse(process.argv);
  const o = program.opts<{
    orders?: number;
    updates: number;
    workers: number;
    consumers: number;
    rate?: number;
    duration?: number;
    profile: Profile | 'all';
    eventGap: number;
    openWorkflows: number;
    rounds?: number;
    systems: string;
    cpuProf?: string;
    json?: string;
    chart?: string;
    quick?: boolean;
    topology: string;
    erp?: string;
    erpFixture?: string;
    erpLookback?: string;
    target?: string;
  }>();
  const systems = o.systems === 'none' ? [] : o.systems.split(',').map((s) => s.trim());
  for (const s of systems)
    if (!(SYSTEMS as readonly string[]).includes(s)) program.error(`unknown system ${s}`);
  if (systems.includes('pipeline-floor') && !systems.includes('floor'))
    program.error('pipeline-floor runs in the floor rounds: add floor to --systems');
  if (o.erp && o.target) program.error('--erp and --target: one at a time');
  const userSystems = program.getOptionValueSource('systems') !== 'default';
  // The fixture's events exist only once ordersync produced them; the floors are fed those.
  if (o.erp && !userSystems) systems.splice(0, systems.length, 'floor', 'pipeline-floor');
  const fromMapping = o.erp ? ['floor', 'pipeline-floor'] : SYSTEMS;
  for (const s of systems)
    if (!(fromMapping as readonly string[]).includes(s))
      program.error(`--erp runs the floor and the pipeline floor only, not ${s}`);
  let erp: BenchOptions['erp'];
  let target: string | undefined;
  try {
    erp = o.erp === undefined ? undefined : resolveErpBench(o.erp, o.erpFixture);
    target = o.target === undefined ? undefined : resolveTargetMapping(o.target);
  } catch (err) {
    program.error((err as Error).message);
  }
  return {
    orders: o.orders ?? (o.quick ? 300 : 2000),
    updates: o.updates,
    workers: o.workers,
    consumers: o.consumers,
    rate: o.rate,
    duration: o.duration ?? (o.quick ? 15 : 60),
    ...(o.profile === 'all' ? {} : { profile: o.profile }),
    eventGapMs: o.eventGap,
    openWorkflows: o.openWorkflows,
    rounds: o.rounds ?? (o.quick ? 1 : 3),
    systems,
    cpuProf: o.cpuProf,
    json: o.json,
    chart: o.chart,
    quick: o.quick,
    timeoutMs: o.quick ? 150_000 : 600_000,
    topology: parseTopology(o.topology),
    ...(erp && { erp }),
    ...(o.erpLookback && { erpLookback: o.erpLookback }),
    ...(target && { target }),
  };
}

async function main() {
  const opts = parseOptions();
  const t = await describeTopology();
  const topology =
    opts.topology === 'production'
      ? await requireProductionTopology()
      : `${t.brokers} Kafka broker(s), Temporal on ${t.temporalStore}`;
  log(`topology: ${topology}`);
  // The ordersync processes get 12-partition topics; the baseline reads the same topics.
  const p = await TestPipeline.create('bench', { topicPartitions: 12 });
  const prefix = `B${p.runId.replace(/[^A-Za-z0-9]/g, '').slice(-10)}`;
  try {
    log(
      `ordersync: ${opts.orders} orders, ${opts.workers} worker(s), ${opts.consumers} consumer(s)`,
    );
    const os = await runOrdersync(
      p,
      opts,
      prefix,
      opts.systems.includes('floor')
        ? (pfx, n, background) =>
            runFloor(p, { prefix: pfx, eventsPerHandover: n, background, cpuProf: opts.cpuProf })
        : undefined,
      opts.systems.includes('pipeline-floor')
        ? (pfx, background, shape) =>
            runPipelineFloor(p, {
              prefix: pfx,
              background,
              paced: shape?.paced,
              timeoutMs: opts.timeoutMs,
              cpuProf: opts.cpuProf,
            })
        : undefined,
    );
    const burst = os.burst;
    const want = (s: string) => burst !== null && opts.systems.includes(s);
    let baseline: BenchResults['baseline'] = null;
    let ceiling: BenchResults['ceiling'] = null;
    let floorUpdate: BenchResults['floorUpdate'] = null;
    if (want('baseline')) {
      log(`baseline: direct kafkajs consumer group → MySQL on the same ${burst!.events} events`);
      const b = await runBaseline(p, p.env, opts, prefix, burst!.events);
      baseline = { ...b, cpuMsPerEvent: cpuMsPerEvent(b.processes, b.events) };
    }
    if (want('floor-update')) {
      log('floor-update: the floor, handing over by Update-with-Start (wait for accepted)');
      floorUpdate = await runFloor(p, {
        prefix,
        eventsPerHandover: burst!.eventsPerHandover ?? 1,
        delivery: 'update',
        cpuProf: opts.cpuProf,
      });
    }
    if (want('ceiling')) {
      log('ceiling: raw Temporal signalWithStart, one activity per event');
      const perOrder = new Map<string, number>();
      for (const r of await p.reader
        .query(
          'SELECT order_id, COUNT(*) AS n FROM order_events WHERE order_id LIKE ? GROUP BY order_id',
          [`${prefix}-%`],
        )
        .then(([r]) => r as Array<{ order_id: string; n: number }>))
        perOrder.set(String(r.order_id), Number(r.n));
      ceiling = await runCeiling(p.cfg, p.client, p.runId, perOrder);
    }
    const ratio = (other: { eventsPerSec: number } | null) =>
      burst && other ? round(burst.eventsPerSec / other.eventsPerSec) : null;
    const floor = os.floor;
    const pipelineRatios = os.rounds.flatMap((r) =>
      r.vsPipelineFloor === undefined ? [] : [r.vsPipelineFloor],
    );
    const results: BenchResults = {
      machine: {
        cpus: cpus().length,
        node: process.version,
        orders: opts.orders,
        topology,
        source: opts.erp
          ? `query source: ${path.relative(process.cwd(), opts.erp.mapping) || opts.erp.mapping} on the ${opts.erp.fixture} fixture`
          : 'outbox: the simulator change log',
        target: opts.target
          ? `sql target: ${path.relative(process.cwd(), opts.target) || opts.target}`
          : 'builtin',
      },
      ordersync: burst,
      steady: os.steady,
      spread: os.spread,
      openWorkflows: os.openWorkflows,
      baseline,
      ceiling,
      floor,
      floorUpdate,
      pipelineFloor: os.pipelineFloor,
      floorRounds: os.rounds,
      ratios: {
        vsBaseline: ratio(baseline),
        vsCeiling: ratio(ceiling),
        vsFloor: os.rounds.length ? round(median(os.rounds.map((r) => r.vsFloor))) : null,
        vsPipelineFloor: pipelineRatios.length ? round(median(pipelineRatios)) : null,
      },
      targets: {
        eventsPerSec: '>= 250',
        vsFloor: '>= 0.8',
        vsPipelineFloor: '>= 0.9',
        actionsPerEvent: '<= 1.0',
        spreadActionsPerEvent: "<= the pipeline floor's in spread shape + 0.1",
        spreadWorkerCpuMsPerEvent: "<= 1.1x the pipeline floor's worker in spread shape",
        cpuMsPerEventOwn: 'worker + consumer <= 2.5',
        cpuMsPerEventTemporal: '<= 3',
        steadyP99LagMs: `<= pollIntervalMs + 1000`,
        correctness: '0 violations, 0 lost, 0 duplicates',
      },
    };
    printTable(results);
    if (opts.json) writeFileSync(opts.json, `${JSON.stringify(results, null, 2)}\n`);
    if (opts.chart) writeSvg(opts.chart, results);
    const phases = [burst, os.steady, os.spread, ...os.rounds].filter((x) => x !== null);
    const ok = phases.every((r) => r.violations === 0 && r.lost === 0 && r.duplicates === 0);
    if (!ok) process.exitCode = 1;
  } finally {
    // Beside the profiles, also when a phase failed: profile-summary --phase cuts each profile to these.
    if (opts.cpuProf) {
      mkdirSync(opts.cpuProf, { recursive: true });
      const file = path.join(opts.cpuProf, WINDOWS_FILE);
      writeFileSync(file, `${JSON.stringify(meteredWindows, null, 2)}\n`);
      log(`metered windows (for bench/profile-summary.ts --phase): ${file}`);
    }
    await p.close();
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
