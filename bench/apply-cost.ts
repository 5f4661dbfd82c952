/**
 * What the apply costs per batch, apart from the rest of the pipeline: applies
 * fresh orders (creation, two updates, invoice: one batch each) straight
 * through `createApplyActivities` against the local MySQL, and reports the CPU
 * of this process and of the MySQL server per batch, and the wall time per
 * batch (at --concurrency 1, the apply's latency). Several implementations
 * (module files exporting createApplyActivities, e.g. another commit's, checked
 * out in a worktree) are measured in interleaved rounds on the same pool, so a
 * shared machine's drift falls on all of them alike; compare the ratios.
 *
 *   node --import tsx bench/apply-cost.ts [module.ts ...] [--batches N] [--rounds R] [--concurrency C]
 *
 * Needs the local servers (`npm run infra -- up`); writes to the test database.
 */
import path from 'node:path';
import { Command } from 'commander';
import type { Pool } from 'mysql2/promise';
import { APPLY_POOL_OPTIONS } from '../activities/apply-order-events';
import type { ApplyInput, ApplyResult } from '../src/contracts/workflow-types';
import { migrate } from '../src/db/migrate';
import { createPool } from '../src/db/pool';
import { testEnv } from '../test/support/env';
import { orderHistory, uniqueOrderId } from '../test/support/order-events';
import { median, positiveInt } from './common';
import { meter } from './metering';

const ROOT = path.join(__dirname, '..');

type CreateApply = (deps: { pool: Pool }) => {
  applyOrderEvents: (input: ApplyInput) => Promise<ApplyResult>;
};

async function main(): Promise<void> {
  const program = new Command('apply-cost')
    .description('CPU per apply batch (this process and the MySQL server), interleaved rounds')
    .argument('[modules...]', 'files exporting createApplyActivities (default: this checkout)')
    .option('--batches <n>', 'batches per module per round', positiveInt, 1500)
    .option('--rounds <n>', 'rounds (each module once per round)', positiveInt, 5)
    .option('--concurrency <n>', 'applies in flight at once', positiveInt, 8)
    .parse();
  const modules = program.args.length
    ? program.args.map((m) => path.resolve(m))
    : [path.join(ROOT, 'activities', 'apply-order-events.ts')];
  const o = program.opts<{ batches: number; rounds: number; concurrency: number }>();
  const { cfg } = testEnv('apply-cost');
  const migrator = createPool(cfg.ORDERSYNC_MYSQL_MIGRATE_URL!, { connectionLimit: 1 });
  await migrate(migrator);
  await migrator.end();
  const pool = createPool(cfg.ORDERSYNC_MYSQL_URL, {
    connectionLimit: o.concurrency,
    ...APPLY_POOL_OPTIONS,
  });
  try {
    const applies = await Promise.all(
      modules.map(async (m) => {
        const mod = (await import(m)) as { createApplyActivities: CreateApply };
        return mod.createApplyActivities({ pool }).applyOrderEvents;
      }),
    );
    /** Applies `batches` fresh orders, one batch each, `concurrency` at a time. */
    const run = async (apply: (input: ApplyInput) => Promise<ApplyResult>, batches: number) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: o.concurrency }, async () => {
          while (next++ < batches) {
            const orderId = uniqueOrderId();
            const result = await apply({ orderId, events: orderHistory(orderId, 2) });
            if (!result.outcomes.every((x) => x.outcome === 'applied'))
              throw new Error(`${orderId}: not every event applied`);
          }
        }),
      );
    };
    for (const a of applies) await run(a, Math.min(o.batches, 200)); // warm-up
    const client: number[][] = modules.map(() => []);
    const server: number[][] = modules.map(() => []);
    const wall: number[][] = modules.map(() => []);
    for (let round = 1; round <= o.rounds; round++) {
      for (const [i, a] of applies.entries()) {
        const stop = meter({});
        const started = performance.now();
        await run(a, o.batches);
        wall[i]!.push((performance.now() - started) / o.batches);
        const used = stop();
        const cpu = (name: string) => used.find((u) => u.name === name)?.cpuSeconds ?? NaN;
        client[i]!.push((cpu('bench (this process)') * 1000) / o.batches);
        server[i]!.push((cpu('mysql server') * 1000) / o.batches);
      }
      process.stderr.write(`[apply-cost] round ${round}/${o.rounds} done\n`);
    }
    console.log(
      `${o.batches} batches of 4 events x ${o.rounds} rounds, ${o.concurrency} in flight; ms per batch (median)`,
    );
    for (const [i, m] of modules.entries()) {
      const c = median(client[i]!);
      const s = median(server[i]!);
      const w = median(wall[i]!);
      const vs = (x: number, base: number) => (x / base).toFixed(2);
      console.log(
        `${path.relative(process.cwd(), m)}: CPU client ${c.toFixed(3)} (${vs(c, median(client[0]!))}x), CPU MySQL ${s.toFixed(3)} (${vs(s, median(server[0]!))}x), wall ${w.toFixed(3)} (${vs(w, median(wall[0]!))}x)`,
      );
    }
  } finally {
    await pool.end();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
