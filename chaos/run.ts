/**
 * `npm run chaos`: every fault scenario in turn against the real local servers.
 *
 *   --only NAME    run one scenario (repeatable)
 *   --json FILE    write the results as a JSON array
 *   --list         print the scenario names
 *
 * Exits non-zero if any scenario loses or duplicates an event, or fails its checks.
 */
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { runScenario, SCENARIOS } from './scenarios';
import type { ScenarioResult } from './scenarios';

function printTable(results: ScenarioResult[]) {
  const head = [
    'scenario',
    'produced',
    'applied',
    'skipped',
    'dlq',
    'lost',
    'dup',
    'recovery s',
    'result',
  ];
  const widths = [30, 9, 8, 8, 5, 5, 5, 11, 7];
  const row = (cells: Array<string | number>) =>
    cells.map((c, i) => String(c).padEnd(widths[i]!)).join(' ');
  console.log(row(head));
  for (const r of results) {
    console.log(
      row([
        r.scenario,
        r.produced,
        r.applied,
        r.skipped,
        r.dlq,
        r.lost,
        r.duplicates,
        r.recoverySeconds,
        r.pass ? 'pass' : 'FAIL',
      ]),
    );
    for (const n of r.notes) console.log(`    ${n}`);
  }
}

async function main() {
  const program = new Command('chaos')
    .description(
      'fault injection and bad input against the real pipeline; nothing may be lost or applied twice',
    )
    .option('--only <name...>', 'run only these scenarios')
    .option('--json <file>', 'write results as JSON')
    .option('--list', 'list scenario names')
    .parse(process.argv);
  const o = program.opts<{ only?: string[]; json?: string; list?: boolean }>();
  if (o.list) {
    console.log(Object.keys(SCENARIOS).join('\n'));
    return 0;
  }
  const names = o.only ?? Object.keys(SCENARIOS);
  for (const n of names)
    if (!(n in SCENARIOS)) throw new Error(`unknown scenario "${n}"; try --list`);
  const results: ScenarioResult[] = [];
  for (const name of names) {
    const r = await runScenario(name);
    results.push(r);
    process.stderr.write(`[chaos] ${name}: ${r.pass ? 'pass' : 'FAIL'}\n`);
  }
  printTable(results);
  if (o.json) {
    // Keys: scenario, produced, applied, skipped, dlq, lost, duplicates, recoverySeconds, pass, notes.
    writeFileSync(o.json, `${JSON.stringify(results, null, 2)}\n`);
  }
  return results.every((r) => r.pass) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`chaos: ${(err as Error).message}`);
    process.exit(2);
  },
);
