import path from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import type { RowDataPacket } from 'mysql2/promise';
import { ConfigError, dataDir, loadConfig, requireErpWriterUrl } from '../config';
import type { Config } from '../config';
import { createPool } from '../db/pool';
import { initErpSchema, simulate } from '../erp/simulator';
import { RUNS_COMPILED } from '../package-root';
import { createTemporalClient } from '../temporal/connection';
import { upsertPollSchedule } from '../temporal/schedule';
import { buildWorkflowBundle } from '../temporal/workflow-bundle';
import { SHIPPED_MAPPINGS, installMappingFixture } from '../target/demo-targets';
import type { ShippedMapping } from '../target/demo-targets';
import { loadMapping } from '../target/sql/mapping';
import { createSqlTarget } from '../target/sql/sql-target';
import { verifyThroughTarget } from '../target/verify-target';
import { verified, verify } from '../verify';
import { MysqlSqlClient } from '../erp/sql/mysql-client';
import { BuiltinTargetSide } from '../reconcile/adapters/builtin-target';
import { OutboxErpSide } from '../reconcile/adapters/outbox-erp';
import { SqlTargetSide } from '../reconcile/adapters/sql-target';
import { checkNow } from '../reconcile/check-now';
import { driftTable } from '../reconcile/kinds';
import { positive } from './args';
import { DEMO_ERPS, demoErp } from './demo-erp';
import type { DemoErp } from './demo-erp';
import { runMigrations } from './migrate';
import { startProcess, stopProcess } from './processes';

/** Fixed metrics and health addresses, the ones deploy/prometheus/prometheus.yml scrapes. */
export const DEMO_METRICS = { worker: '127.0.0.1:9464', consumer: '127.0.0.1:9465' } as const;

/** True when a codec server answers its health check at `url`. */
export async function codecServerAnswers(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

async function count(
  pool: ReturnType<typeof createPool>,
  sql: string,
  prefix: string,
): Promise<number> {
  const [rows] = await pool.query<RowDataPacket[]>(sql, [`${prefix}%`]);
  return Number(rows[0]?.n ?? 0);
}

async function demo(
  cfg: Config,
  o: { orders: number; once: boolean; timeout: number; target: 'builtin' | ShippedMapping },
) {
  const say = (m: string) => console.log(m);
  const writerUrl = requireErpWriterUrl(cfg, 'the demo writes ERP traffic and');
  if (!/^mysql:\/\//.test(cfg.ORDERSYNC_ERP_URL))
    throw new ConfigError(
      'ORDERSYNC_ERP_URL: the demo simulates an ERP with a MySQL outbox and needs a mysql:// URL (npm run demo -- --erp odoo runs a PostgreSQL ERP)',
      ['ORDERSYNC_ERP_URL'],
    );
  await runMigrations(cfg, say);
  // --target magento: the shipped mapping writes Magento 2's tables, created here from its fixture.
  const mappingDir = o.target === 'builtin' ? null : SHIPPED_MAPPINGS[o.target];
  const mapped = mappingDir ? createSqlTarget(loadMapping(mappingDir)) : null;
  if (mappingDir) {
    await installMappingFixture(
      cfg.ORDERSYNC_MYSQL_MIGRATE_URL ?? cfg.ORDERSYNC_MYSQL_URL,
      mappingDir,
    );
    say(`target: ${o.target} mapping (${mappingDir}), its fixture tables in place`);
  }
  // The demo writes the outbox and verifies the target it chose, so the worker is told both,
  // whatever the caller's environment says.
  const { ORDERSYNC_TARGET_MAPPING: _mapping, ...inherited } = process.env;
  const workerEnv: NodeJS.ProcessEnv = {
    ...inherited,
    ORDERSYNC_ERP_SOURCE: 'outbox',
    ...(mappingDir
      ? { ORDERSYNC_TARGET: 'sql', ORDERSYNC_TARGET_MAPPING: mappingDir }
      : { ORDERSYNC_TARGET: 'builtin' }),
  };
  const writer = createPool(writerUrl, { connectionLimit: 6 });
  const reader = createPool(cfg.ORDERSYNC_ERP_URL, { connectionLimit: 2 });
  const app = createPool(cfg.ORDERSYNC_MYSQL_URL, { connectionLimit: 2 });
  await initErpSchema(writer);
  const client = await createTemporalClient(cfg);
  await upsertPollSchedule(client, {
    scheduleId: cfg.ORDERSYNC_SCHEDULE_ID,
    taskQueue: cfg.ORDERSYNC_TASK_QUEUE,
    everyMs: 2000,
    catchupWindowMs: 60_000,
  });
  say(`schedule ${cfg.ORDERSYNC_SCHEDULE_ID}: every 2 s`);
  // A checkout bundles its sources if they changed; a build ships its bundle.
  if (!RUNS_COMPILED) await buildWorkflowBundle({ log: say });
  const children = [
    startProcess('worker', ['--metrics-address', DEMO_METRICS.worker], workerEnv),
    startProcess('consumer', ['--metrics-address', DEMO_METRICS.consumer]),
  ];
  say(
    `started worker (pid ${children[0]!.pid}) and consumer (pid ${children[1]!.pid}); logs in ${path.join(dataDir(), 'logs')}`,
  );
  for (const [role, address] of Object.entries(DEMO_METRICS))
    say(`${role}: http://${address}/metrics  /livez  /readyz`);
  const codecUrl = `http://${cfg.ORDERSYNC_CODEC_LISTEN}`;
  if (await codecServerAnswers(codecUrl)) say(`codec server: ${codecUrl} (already running)`);
  else {
    children.push(startProcess('codec-server'));
    say(`started codec server on ${codecUrl} (pid ${children.at(-1)!.pid})`);
  }
  const stopAll = async () => {
    await Promise.all(children.map(stopProcess));
    await client.connection.close();
    await Promise.all([writer.end(), reader.end(), app.end()]);
  };
  try {
    const prefix = `DEMO-${Date.now().toString(36)}`;
    const started = Date.now();
    const bar = new SingleBar(
      {
        format: 'applied {value}/{total} events | ERP written {written} | {duration}s',
        hideCursor: true,
      },
      Presets.shades_classic,
    );
    bar.start(1, 0, { written: 0 });
    let written = 0;
    const sim = simulate(writer, {
      orders: o.orders,
      prefix,
      rate: 0,
      onEvent: (w) => (written = w),
    });
    let simDone = false;
    let simError: unknown = null;
    const simResult = sim.then(
      (r) => ((simDone = true), r),
      (err: unknown) => {
        simError = err;
        throw err;
      },
    );
    simResult.catch(() => undefined);
    for (;;) {
      const produced = await count(
        reader,
        'SELECT COUNT(*) AS n FROM order_events WHERE order_id LIKE ?',
        prefix,
      );
      const handled = await count(
        app,
        'SELECT COUNT(*) AS n FROM ordersync_applied_events WHERE order_id LIKE ?',
        prefix,
      );
      bar.setTotal(Math.max(produced, 1));
      bar.update(handled, { written });
      if (simError) throw simError as Error;
      if (simDone && handled >= produced && produced > 0) break;
      if (Date.now() - started > o.timeout) {
        bar.stop();
        throw new Error(
          `not every event was applied within ${o.timeout / 1000}s; see the logs in ${path.join(dataDir(), 'logs')}`,
        );
      }
      for (const c of children)
        if (c.exitCode !== null)
          throw new Error(`a child process exited with ${c.exitCode}; see its log`);
      await new Promise((r) => setTimeout(r, 500));
    }
    bar.stop();
    const sims = await simResult;
    const report = mapped
      ? await verifyThroughTarget(reader, app, prefix, mapped)
      : await verify(reader, app, prefix);
    const seconds = (Date.now() - started) / 1000;
    say('');
    say(`orders: ${report.orders}, matching the ERP: ${report.matching}`);
    say(
      `events: ${sims.events} written, ${report.appliedEvents} applied, ${report.skippedEvents} skipped, ${report.unaccounted} unaccounted`,
    );
    say(`ordering violations: ${report.orderingViolations}, applied twice: ${report.duplicates}`);
    say(`end to end: ${seconds.toFixed(1)} s, ${(sims.events / seconds).toFixed(0)} events/s`);
    const sample = sims.orderIds[0]!;
    say(
      `one order's history: ${cfg.ORDERSYNC_TEMPORAL_UI_URL}/namespaces/${cfg.ORDERSYNC_TEMPORAL_NAMESPACE}/workflows/${encodeURIComponent(sample)}`,
    );
    say(
      cfg.ORDERSYNC_ENCRYPTION === 'on'
        ? `  payloads are encrypted in Temporal; the UI decodes them through ${codecUrl}, and \`ordersync history ${sample}\` prints them`
        : '  ORDERSYNC_ENCRYPTION=off: payloads are stored in plaintext',
    );
    if (!verified(report)) {
      for (const m of report.mismatched.slice(0, 10)) say(`  mismatch ${m.orderId}: ${m.why}`);
      throw new Error('verification failed: the target does not equal the ERP');
    }
    say(
      mapped
        ? `verified: every order read back through ${o.target}'s read_order.sql equals the ERP`
        : 'verified: every order in MySQL equals the ERP',
    );
    // The same check as `ordersync reconcile`: canonical hashes, drift by kind, a re-check.
    const drift = await checkNow(
      {
        erp: new OutboxErpSide(new MysqlSqlClient(reader)),
        target:
          mapped && mappingDir
            ? new SqlTargetSide(app, mapped, loadMapping(mappingDir))
            : new BuiltinTargetSide(app),
      },
      { scope: { idPrefix: prefix }, pageSize: 500, recheckDelayMs: 2000 },
    );
    say(`reconcile: ${drift.checked} orders checked, ${drift.summary.drifted} drifted`);
    if (drift.summary.drifted > 0) {
      say(driftTable(drift.summary, drift.checked));
      throw new Error('reconciliation found drift: the target does not equal the ERP');
    }
    if (!o.once) {
      say(
        'the pipeline keeps running; run `ordersync erp simulate` in another shell to add traffic. Ctrl-C stops it.',
      );
      await new Promise<void>((r) => {
        process.once('SIGINT', r);
        process.once('SIGTERM', r);
      });
    }
  } finally {
    await stopAll();
  }
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'run the whole pipeline locally: Schedule, worker, consumer, simulated ERP traffic, verification',
    )
    .addOption(
      new Option('--orders <n>', 'orders to simulate').argParser(positive('--orders')).default(200),
    )
    .option('--once', 'exit 0 after verifying instead of running until Ctrl-C')
    .addOption(
      new Option(
        '--target <name>',
        'where the worker writes: the built-in tables or a shipped mapping',
      )
        .choices(['builtin', ...Object.keys(SHIPPED_MAPPINGS)])
        .default('builtin'),
    )
    .addOption(
      new Option(
        '--erp <erp>',
        'read an ERP fixture through the query source and its shipped mapping; verifies and exits',
      ).choices(DEMO_ERPS),
    )
    .addOption(
      new Option('--timeout <seconds>', 'give up after this long')
        .argParser(positive('--timeout'))
        .default(600),
    )
    .action(
      async (o: {
        orders: number;
        once?: boolean;
        timeout: number;
        target: 'builtin' | ShippedMapping;
        erp?: DemoErp;
      }) => {
        if (o.erp !== undefined) {
          if (o.target !== 'builtin')
            throw new InvalidArgumentError(
              '--erp runs with the built-in target; give --erp or --target, not both',
            );
          await demoErp(loadConfig(), o.erp, { orders: o.orders, timeout: o.timeout * 1000 });
          return;
        }
        await demo(loadConfig(), {
          orders: o.orders,
          once: o.once === true,
          timeout: o.timeout * 1000,
          target: o.target,
        });
      },
    );
}
