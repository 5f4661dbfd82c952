/**
 * What the order workflow's own code costs, without servers or noise from
 * other processes: replays one recorded history many times through each given
 * workflow bundle and reports CPU per replayed run. Bundles are measured in
 * interleaved rounds in one process, so a shared machine's drift falls on all
 * of them alike; compare the ratios. A replay runs the same activations a
 * live run does (start and signals, then the local apply's result), minus the
 * activity itself.
 *
 *   node --import tsx bench/replay-cost.ts [bundle.js ...] [--history file] [--count N] [--rounds R]
 *
 * Without bundles it measures dist/workflow-bundle.js (`npm run build:workflows`).
 * To compare with another commit, build that commit's bundle in a worktree and
 * pass both paths.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { Command } from 'commander';
import { historyDataConverter } from '../test/histories/data-converter';
import { decodeHistory } from '../test/histories/history-file';
import type { HistoryFile } from '../test/histories/history-file';
import { median, positiveInt } from './common';

const ROOT = path.join(__dirname, '..');

/** CPU milliseconds of this process (every thread) while `fn` runs. */
async function cpuMs(fn: () => Promise<void>): Promise<number> {
  const before = process.cpuUsage();
  await fn();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

async function main(): Promise<void> {
  const program = new Command('replay-cost')
    .description(
      'CPU per replayed order workflow run, for one or more workflow bundles, in interleaved rounds',
    )
    .argument('[bundles...]', 'workflow bundle files (default: dist/workflow-bundle.js)')
    .option(
      '--history <file>',
      'recorded history to replay',
      path.join(ROOT, 'test', 'histories', 'normal-order.json'),
    )
    .option('--count <n>', 'replays per bundle per round', positiveInt, 1000)
    .option('--rounds <n>', 'rounds (each bundle once per round)', positiveInt, 5)
    .parse();
  const bundles = program.args.length
    ? program.args.map((b) => path.resolve(b))
    : [path.join(ROOT, 'dist', 'workflow-bundle.js')];
  const o = program.opts<{ history: string; count: number; rounds: number }>();
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const file = JSON.parse(readFileSync(o.history, 'utf8')) as HistoryFile;
  const { workflowId, history } = decodeHistory(file);

  const replay = async (codePath: string, count: number) => {
    const histories = Array.from({ length: count }, (_, i) => ({
      workflowId: `${workflowId}-${i}`,
      history,
    }));
    let failed = 0;
    let firstError: string | undefined;
    for await (const r of Worker.runReplayHistories(
      { workflowBundle: { codePath }, dataConverter: historyDataConverter },
      histories,
    )) {
      if (r.error) {
        failed++;
        firstError ??= r.error.message;
      }
    }
    if (failed > 0)
      throw new Error(`${codePath}: ${failed} of ${count} replays failed: ${firstError}`);
  };

  // Warm-up: thread start, bundle load and JIT, so round 1 is not charged for them.
  for (const b of bundles) await replay(b, Math.min(o.count, 200));
  // Each round's replay worker starts a thread and loads the bundle: measured
  // with one history and taken off, so the figure is the replays alone.
  const perRun: number[][] = bundles.map(() => []);
  for (let round = 1; round <= o.rounds; round++) {
    for (const [i, b] of bundles.entries()) {
      const fixed = await cpuMs(() => replay(b, 1));
      const total = await cpuMs(() => replay(b, o.count));
      perRun[i]!.push(Math.max(0, total - fixed) / (o.count - 1 || 1));
    }
    process.stderr.write(`[replay-cost] round ${round}/${o.rounds} done\n`);
  }
  console.log(
    `history ${path.relative(process.cwd(), o.history)} (${file.eventTypes.length} events), ${o.count} replays x ${o.rounds} rounds`,
  );
  const base = median(perRun[0]!);
  for (const [i, b] of bundles.entries()) {
    const m = median(perRun[i]!);
    const spread = `${Math.min(...perRun[i]!).toFixed(3)}..${Math.max(...perRun[i]!).toFixed(3)}`;
    console.log(
      `${path.relative(process.cwd(), b)}: ${m.toFixed(3)} ms CPU per run (median; rounds ${spread}), ${(m / base).toFixed(2)}x the first`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
