/**
 * What reconciliation costs the pipeline: the burst (orders written
 * unthrottled, timed from the first write until every event is applied) on
 * the real worker and consumer, alternately alone and with a reconcile run
 * forced at its start: a check over every order of the bench, the in-sync
 * orders seeded first included (as a default run's 2-day recent sweep over
 * that many orders). `--continuous` runs checks back to back for the whole
 * burst instead, far more than a run every 10 minutes. Reports each burst's
 * events per second and the slowdown.
 *
 *   node --import tsx bench/reconcile-burst.ts [--orders 300] [--rounds 3] [--in-sync 10000] [--continuous]
 *
 * Needs the local servers.
 */
import { Command } from 'commander';
import { APPLY_POOL_OPTIONS, createApplyActivities } from '../activities/apply-order-events';
import type { RowDataPacket } from 'mysql2/promise';
import { CursorRepository } from '../src/db/cursor-repository';
import { createPool } from '../src/db/pool';
import { MysqlSqlClient } from '../src/erp/sql/mysql-client';
import { BuiltinTargetSide } from '../src/reconcile/adapters/builtin-target';
import { OutboxErpSide } from '../src/reconcile/adapters/outbox-erp';
import { checkNow } from '../src/reconcile/check-now';
import { TestPipeline } from '../test/support/pipeline';
import { positiveInt } from './common';
import { seedOutbox } from './reconcile-seed-outbox';

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
    .option('--rounds <n>', 'pairs of bursts (alone, with reconciliation)', positiveInt, 3)
    .option('--in-sync <n>', 'in-sync orders seeded first, to reconcile', positiveInt, 10_000)
    .option('--continuous', 'reconcile back to back for the whole burst, not once')
    .parse()
    .opts<{ orders: number; rounds: number; inSync: number; continuous?: boolean }>();
  const p = await TestPipeline.create('rcburst');
  const prefix = `RB-${p.runId}`;
  const sides = {
    erp: new OutboxErpSide(new MysqlSqlClient(p.reader)),
    target: new BuiltinTargetSide(p.app),
  };
  try {
    const applyPool = createPool(p.cfg.ORDERSYNC_MYSQL_URL, {
      connectionLimit: 8,
      ...APPLY_POOL_OPTIONS,
    });
    const ids = Array.from(
      { length: o.inSync },
      (_, i) => `${prefix}-s${String(i).padStart(6, '0')}`,
    );
    await seedOutbox(p.writer, createApplyActivities({ pool: applyPool }).applyOrderEvents, ids);
    await applyPool.end();
    // The seeded change log is already applied: the poll starts after it.
    const [top] = await p.reader.query<RowDataPacket[]>('SELECT MAX(seq) AS s FROM order_events');
    await new CursorRepository(p.app).save(p.cfg.ORDERSYNC_CURSOR_NAME, {
      position: Number(top[0]!.s),
      gaps: [],
    });
    p.start('worker');
    p.start('consumer');
    await p.schedule(1000);
    const bursts: Burst[] = [];
    for (let round = 0; round < o.rounds * 2; round++) {
      const withReconcile = round % 2 === 1;
      const pfx = `${prefix}-b${round}`;
      let running = true;
      let reconciled = 0;
      const reconcile = (async () => {
        for (
          let first = true;
          withReconcile && (first || (o.continuous && running));
          first = false
        ) {
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
      // A run still going when the burst ended did not slow it any further.
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
          mode: o.continuous ? 'reconcile back to back' : 'one run forced at the burst start',
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
