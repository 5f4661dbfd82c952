/**
 * `npm run chaos`: every fault scenario in turn against the real local servers.
 *
 *   --system LIST  ordersync (default), seed, old or all; comma lists welcome
 *   --only NAME    run one scenario (repeatable)
 *   --json FILE    write the results as a JSON array
 *   --svg FILE     write a grouped bar chart of the oracle's counts
 *   --list         print the scenario names
 *   --topology T   dev (default) or production: three Kafka brokers and
 *                  Temporal's own server on PostgreSQL, where the production
 *                  faults (kafka-leader-kill, ...) run after the others
 *   --target T     builtin (default) or a shipped mapping (magento): the
 *                  processes write through ORDERSYNC_TARGET=sql and the oracle
 *                  reads the target through the mapping's read_order.sql; the
 *                  mapping's own faults (foreign-key-poison) run after the others;
 *                  the query-source scenarios (query-late-marker…) run without it
 *
 * Exits non-zero if ordersync loses or duplicates an event, or fails a
 * scenario's checks. The seed article's systems (`seed`, `old`) pass when they
 * ran: their counts are the finding.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { chartSvg } from './chart';
import { parseChaosTarget, SYSTEMS } from './harness';
import type { ChaosTarget, SystemName } from './harness';
import {
  BUILTIN_TARGET_ONLY,
  MAPPING_SCENARIOS,
  PRODUCTION_SCENARIOS,
  runScenario,
  SCENARIOS,
} from './scenarios';
import type { ScenarioResult } from './scenarios';
import { runSeedScenario } from './seed-scenarios';
import { parseTopology, requireProductionTopology } from './topology';

const show = (v: number | null) => (v === null ? '-' : v);

function printTable(results: ScenarioResult[]) {
  const head = [
    'scenario',
    'system',
    'violations',
    'stale',
    'lost',
    'twice',
    'no invoice',
    'produced',
    'recovery s',
    'result',
  ];
  const widths = [28, 10, 11, 6, 5, 6, 11, 9, 11, 7];
  const row = (cells: Array<string | number>) =>
    cells.map((c, i) => String(c).padEnd(widths[i]!)).join(' ');
  console.log(row(head));
  for (const r of results) {
    if (!r.applicable) {
      console.log(row([r.scenario, r.system, `does not apply: ${r.reason ?? ''}`]));
      continue;
    }
    console.log(
      row([
        r.scenario,
        r.system,
        show(r.violations),
        show(r.staleAtEnd),
        show(r.lost),
        show(r.appliedTwice),
        show(r.missingInvoices),
        r.produced,
        r.recoverySeconds,
        r.pass ? 'pass' : 'FAIL',
      ]),
    );
    for (const n of r.notes) console.log(`    ${n}`);
  }
}

function parseSystems(list: string[]): SystemName[] {
  const names = list
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  const out = names.includes('all') ? [...SYSTEMS] : names;
  for (const n of out)
    if (!(SYSTEMS as readonly string[]).includes(n))
      throw new Error(`unknown system "${n}"; one of ${SYSTEMS.join(', ')} or all`);
  return [...new Set(out)] as SystemName[];
}

function runOne(system: SystemName, name: string, target: ChaosTarget): Promise<ScenarioResult> {
  if (system === 'ordersync') return runScenario(name, { target });
  return runSeedScenario(system, name);
}

async function main() {
  const program = new Command('chaos')
    .description(
      'fault injection and bad input against the real pipeline; nothing may be lost or applied twice',
    )
    .option('--system <list...>', 'systems: ordersync, seed, old, all (comma lists welcome)', [
      'ordersync',
    ])
    .option('--only <name...>', 'run only these scenarios')
    .option('--json <file>', 'write results as JSON')
    .option('--svg <file>', 'write a grouped bar chart per scenario as SVG')
    .option('--list', 'list scenario names')
    .option('--topology <name>', 'dev or production (three brokers, Temporal server)', 'dev')
    .option('--target <name>', 'builtin, or a shipped target mapping (magento)', 'builtin')
    .option(
      '--merge <files...>',
      'run nothing: print the table of earlier --json files, and write --json/--svg from them',
    )
    .parse(process.argv);
  const o = program.opts<{
    system: string[];
    only?: string[];
    json?: string;
    svg?: string;
    list?: boolean;
    merge?: string[];
    topology: string;
    target: string;
  }>();
  const production = parseTopology(o.topology) === 'production';
  const target = parseChaosTarget(o.target);
  const mapped = target !== 'builtin';
  const known = [
    ...Object.keys(SCENARIOS).filter((n) => !(mapped && BUILTIN_TARGET_ONLY.has(n))),
    ...(production ? Object.keys(PRODUCTION_SCENARIOS) : []),
    ...(mapped ? Object.keys(MAPPING_SCENARIOS) : []),
  ];
  if (o.list) {
    console.log(known.join('\n'));
    return 0;
  }
  const systems = parseSystems(o.system);
  if (mapped && systems.some((s) => s !== 'ordersync'))
    throw new Error('--target applies to ordersync only; the seed systems write their own tables');
  const names = o.only ?? known;
  for (const n of names) {
    if (n in PRODUCTION_SCENARIOS && !production)
      throw new Error(`scenario "${n}" needs --topology production`);
    if (n in MAPPING_SCENARIOS && !mapped)
      throw new Error(`scenario "${n}" needs a target mapping (--target magento)`);
    if (mapped && BUILTIN_TARGET_ONLY.has(n))
      throw new Error(
        `scenario "${n}" tests the query source against the built-in tables; run it without --target`,
      );
    if (!known.includes(n)) throw new Error(`unknown scenario "${n}"; try --list`);
  }
  const results: ScenarioResult[] = [];
  if (o.merge) {
    const order = [
      ...Object.keys(SCENARIOS),
      ...Object.keys(PRODUCTION_SCENARIOS),
      ...Object.keys(MAPPING_SCENARIOS),
    ];
    for (const f of o.merge)
      results.push(...(JSON.parse(readFileSync(f, 'utf8')) as ScenarioResult[]));
    results.sort(
      (a, b) =>
        order.indexOf(a.scenario) - order.indexOf(b.scenario) ||
        SYSTEMS.indexOf(a.system) - SYSTEMS.indexOf(b.system),
    );
  } else {
    if (production)
      process.stderr.write(`[chaos] production topology: ${await requireProductionTopology()}\n`);
    for (const name of names) {
      for (const system of systems) {
        const r = await runOne(system, name, target);
        results.push(r);
        process.stderr.write(
          `[chaos] ${system} ${name}: ${r.applicable ? (r.pass ? 'pass' : 'FAIL') : 'does not apply'}\n`,
        );
      }
    }
  }
  printTable(results);
  if (o.json) {
    // Keys: system, scenario, applicable, reason, violations, staleAtEnd, lost, appliedTwice,
    // missingInvoices, produced, applied, skipped, dlq, duplicates, recoverySeconds, pass, notes.
    writeFileSync(o.json, `${JSON.stringify(results, null, 2)}\n`);
  }
  if (o.svg) writeFileSync(o.svg, chartSvg(results));
  return results.every((r) => r.pass || r.system !== 'ordersync') ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`chaos: ${(err as Error).message}`);
    process.exit(2);
  },
);
