/**
 * `npm run bench`: ordersync, the seed article's direct consumer (baseline) and
 * raw Temporal (ceiling), in turn, on the same machine and servers. One file
 * per measured system under systems/, CPU metering in metering.ts, output in
 * report.ts; the pipeline set-up is test/support/pipeline.ts.
 *
 *   --orders N       orders per run (default 2000; --quick: 300)
 *   --updates P      update probability (default 0.6: about 3.5 events per order)
 *   --json FILE      write the results as JSON
 *   --chart FILE     draw throughput and latency as SVG
 *   --quick          a small run for iteration (about 2 minutes)
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Command, Option } from 'commander';
import { TestPipeline } from '../test/support/pipeline';
import type { BenchOptions } from './common';
import { log, round } from './common';
import { printTable, writeSvg } from './report';
import { runBaseline } from './systems/baseline';
import { runCeiling } from './systems/ceiling';
import { runOrdersync } from './systems/ordersync';

function parseOptions(): BenchOptions {
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
  const o = program.opts<Omit<BenchOptions, 'timeoutMs'> & { orders?: number }>();
  return {
    ...o,
    orders: o.orders ?? (o.quick ? 300 : 2000),
    timeoutMs: o.quick ? 100_000 : 600_000,
  };
}

async function main() {
  const opts = parseOptions();
  // The ordersync processes get 12-partition topics; the baseline reads the same topics.
  const p = await TestPipeline.create('bench', { topicPartitions: 12 });
  const prefix = `B${p.runId.replace(/[^A-Za-z0-9]/g, '').slice(-10)}`;
  try {
    log(
      `1/3 ordersync: ${opts.orders} orders, ${opts.workers} worker(s), ${opts.consumers} consumer(s)`,
    );
    const os = await runOrdersync(p, opts, prefix);
    log(
      `2/3 baseline: direct kafkajs consumer group → MySQL on the same ${os.result.events} events`,
    );
    const baseline = await runBaseline(p, p.env, opts, prefix, os.result.events);
    log(`3/3 ceiling: raw Temporal signalWithStart, ${os.perOrder.size} keys`);
    const ceiling = await runCeiling(p.cfg, p.client, p.runId, os.perOrder);
    const results = {
      machine: { cpus: cpus().length, node: process.version, orders: opts.orders },
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
    printTable(results);
    if (opts.json) writeFileSync(opts.json, `${JSON.stringify(results, null, 2)}\n`);
    if (opts.chart) writeSvg(opts.chart, results);
    const ok = os.result.violations === 0 && os.result.lost === 0 && os.result.duplicates === 0;
    if (!ok) process.exitCode = 1;
  } finally {
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
