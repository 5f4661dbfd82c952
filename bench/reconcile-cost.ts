/**
 * What reconciling in-sync orders costs: seeds N orders (creation, update,
 * invoice) into the ERP change log and applies them to the built-in target
 * tables through the real apply, then runs the one-off check over them (every order, both
 * sides, pages of 500, hashes compared) and reports the wall time and the CPU
 * of the MySQL server and of this process per order. The ERP and the target
 * are databases of one local server here, so the MySQL figure covers both.
 *
 *   node --import tsx bench/reconcile-cost.ts [--orders N] [--source query]
 *
 * With `--source query`, the ERP is the ERPNext fixture read through the
 * query source and the target the Magento tables through the SQL mapping
 * (bench/reconcile-seed-query.ts): both new adapters at once.
 *
 * Needs the local servers; writes to the test databases and removes its rows after.
 */
import { randomUUID } from 'node:crypto';
import { Command, Option } from 'commander';
import { APPLY_POOL_OPTIONS, createApplyActivities } from '../activities/apply-order-events';
import { migrate } from '../src/db/migrate';
import { createPool } from '../src/db/pool';
import { initErpSchema } from '../src/erp/simulator';
import { BuiltinTargetSide } from '../src/reconcile/adapters/builtin-target';
import { MysqlSqlClient } from '../src/erp/sql/mysql-client';
import { OutboxErpSide } from '../src/reconcile/adapters/outbox-erp';
import { checkNow } from '../src/reconcile/check-now';
import type { Sides } from '../src/reconcile/sweep';
import { seedOutbox } from './reconcile-seed-outbox';
import { seedQueryMagento } from './reconcile-seed-query';
import type { QuerySeed } from './reconcile-seed-query';
import { testEnv } from '../test/support/env';
import { positiveInt } from './common';
import { meter } from './metering';

async function main(): Promise<void> {
  const o = new Command()
    .option('--orders <n>', 'in-sync orders to reconcile', positiveInt, 10_000)
    .addOption(
      new Option(
        '--source <kind>',
        'outbox into the built-in tables, or query (ERPNext) into Magento',
      )
        .choices(['outbox', 'query'])
        .default('outbox'),
    )
    .parse()
    .opts<{ orders: number; source: 'outbox' | 'query' }>();
  const { cfg } = testEnv('rccost');
  const migrator = createPool(cfg.ORDERSYNC_MYSQL_MIGRATE_URL!, { connectionLimit: 1 });
  await migrate(migrator);
  await migrator.end();
  const writer = createPool(cfg.ORDERSYNC_ERP_WRITER_URL!, { connectionLimit: 1 });
  const reader = createPool(cfg.ORDERSYNC_ERP_URL, { connectionLimit: 1 });
  const app = createPool(cfg.ORDERSYNC_MYSQL_URL, { connectionLimit: 1 });
  const applyPool = createPool(cfg.ORDERSYNC_MYSQL_URL, {
    connectionLimit: 8,
    ...APPLY_POOL_OPTIONS,
  });
  const prefix = `RCB-${randomUUID().slice(0, 8)}-`;
  let query: QuerySeed | null = null;
  try {
    let sides: Sides;
    if (o.source === 'query') {
      query = await seedQueryMagento(cfg, writer, app, prefix, o.orders);
      sides = query.sides;
    } else {
      await initErpSchema(writer);
      const ids = Array.from(
        { length: o.orders },
        (_, i) => `${prefix}${String(i).padStart(7, '0')}`,
      );
      await seedOutbox(writer, createApplyActivities({ pool: applyPool }).applyOrderEvents, ids);
      sides = {
        erp: new OutboxErpSide(new MysqlSqlClient(reader)),
        target: new BuiltinTargetSide(app),
      };
    }
    const stop = meter({});
    const started = process.hrtime.bigint();
    const report = await checkNow(sides, {
      scope: { idPrefix: prefix },
      pageSize: 500,
      recheckDelayMs: 0,
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const usage = stop();
    const per = (name: string) => {
      const row = usage.find((u) => u.name === name);
      return row ? Math.round((row.cpuSeconds * 1e6) / report.checked) / 1000 : null;
    };
    console.log(
      JSON.stringify(
        {
          orders: report.checked,
          drifted: report.drift.length,
          seconds: Math.round(seconds * 100) / 100,
          ordersPerSecond: Math.round(report.checked / seconds),
          mysqlCpuMsPerOrder: per('mysql server'),
          reconcilerCpuMsPerOrder: per('bench (this process)'),
          source:
            o.source === 'query'
              ? 'query source (ERPNext) → SQL mapping (Magento)'
              : 'outbox → built-in tables',
          note: 'ERP and target share one MySQL server here: the MySQL figure covers both sides',
        },
        null,
        2,
      ),
    );
    if (report.drift.length > 0 || report.checked !== o.orders) process.exitCode = 1;
  } finally {
    await query?.cleanup();
    await writer.query('DELETE FROM order_events WHERE order_id LIKE ?', [`${prefix}%`]);
    await app.query('DELETE FROM invoices WHERE order_id LIKE ?', [`${prefix}%`]);
    for (const table of [
      'orders',
      'ordersync_applied_events',
      'ordersync_order_locks',
      'ordersync_order_state',
    ])
      await app.query(`DELETE FROM ${table} WHERE order_id LIKE ?`, [`${prefix}%`]);
    await Promise.all([writer.end(), reader.end(), app.end(), applyPool.end()]);
  }
}

void main();
