/**
 * What reconciliation costs the pipeline: the burst (orders written
 * unthrottled, timed from the first write until every event is applied) on
 * the real worker and consumer, alternately alone and with reconciliation
 * running the whole time beside it (one-off checks over every order of the
 * bench, back to back: far more than a run every 10 minutes). Reports each
 * burst's events per second and the slowdown.
 *
 *   node --import tsx bench/reconcile-burst.ts [--orders 300] [--rounds 2] [--warm-up 1000]
 *
 * Needs the local servers.
 */
import { Command } from 'commander';
import { MysqlSqlClient } from '../src/erp/sql/mysql-client';
import { BuiltinTargetSide } from '../src/reconcile/adapters/builtin-target';
import { OutboxErpSide } from '../src/reconcile/adapters/outbox-erp';
import { checkNow } from '../src/reconcile/check-now';
import { TestPipeline } from '../test/support/pipeline';
import { positiveInt } from './common';

interface Burst {
  withReconcile: boolean;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  /** Orders reconciled during the burst (0 alone). */
  reconciled: number;
}

async function main(): Promise<void> {
  const o = new Command()
    .option('--orders <n>', 'orders per burst', positiveInt, 300)
    .option('--rounds <n>', 'pairs of bursts (alone, with reconciliation)', positiveInt, 2)
    .option(
      '--warm-up <n>',
      'in-sync orders written first, for reconciliation to check',
      positiveInt,
      1000,
    )
    .parse()
    .opts<{ orders: number; rounds: number; warmUp: number }>();
  const p = await TestPipeline.create('rcburst');
  const prefix = `RB-${p.runId}`;
  p.start('worker');
  p.start('consumer');
  await p.schedule(1000);
  const sides = {
    erp: new OutboxErpSide(new MysqlSqlClient(p.reader)),
    target: new BuiltinTargetSide(p.app),
  };
  try {
    await p.simulate({ orders: o.warmUp, prefix: `${prefix}-w`, concurrency: 8 });
    await p.converge(`${prefix}-w`, 600_000, 'the warm-up to converge');
    const bursts: Burst[] = [];
    for (let round = 0; round < o.rounds * 2; round++) {
      const withReconcile = round % 2 === 1;
      const pfx = `${prefix}-b${round}`;
      let running = true;
      let reconciled = 0;
      const reconcile = (async () => {
        while (withReconcile && running) {
          const r = await checkNow(sides, {
            scope: { idPrefix: prefix },
            pageSize: 500,
            recheckDelayMs: 0,
          });
          reconciled += r.checked;
        }
      })();
      const started = Date.now();
      await p.simulate({ orders: o.orders, prefix: pfx, concurrency: 8 });
      await p.converge(pfx, 600_000, `burst ${round} to converge`);
      const seconds = (Date.now() - started) / 1000;
      running = false;
      await reconcile;
      const events = await p.erpEvents(pfx);
      const b = {
        withReconcile,
        events,
        seconds: Math.round(seconds * 10) / 10,
        eventsPerSecond: Math.round((events / seconds) * 10) / 10,
        reconciled,
      };
      console.error(JSON.stringify(b));
      bursts.push(b);
    }
    const mean = (w: boolean) => {
      const xs = bursts.filter((b) => b.withReconcile === w).map((b) => b.eventsPerSecond);
      return xs.reduce((a, x) => a + x, 0) / xs.length;
    };
    const alone = mean(false);
    const beside = mean(true);
    console.log(
      JSON.stringify(
        {
          bursts,
          aloneEventsPerSecond: Math.round(alone * 10) / 10,
          withReconcileEventsPerSecond: Math.round(beside * 10) / 10,
          slowdownPercent: Math.round((1 - beside / alone) * 1000) / 10,
        },
        null,
        2,
      ),
    );
  } finally {
    await p.close();
  }
}

void main();
