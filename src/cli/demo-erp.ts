/**
 * `ordersync demo --erp erpnext|odoo`: the whole pipeline from an ERP fixture
 * through the query source and the shipped mapping, verified against the
 * ERP's own current state as the mapping reads it.
 */
import path from 'node:path';
import pg from 'pg';
import type { Config } from '../config';
import { ConfigError, dataDir, requireErpWriterUrl, resolveEnv } from '../config';
import { createPool } from '../db/pool';
import { ErpnextWriter } from '../erp/fixtures/erpnext-writer';
import type { FixtureWriter } from '../erp/fixtures/fixture-order';
import { writeFixtureTraffic } from '../erp/fixtures/fixture-traffic';
import { OdooWriter } from '../erp/fixtures/odoo-writer';
import { targetDiffsFromErp } from '../erp/query/compare-target';
import { loadMapping } from '../erp/query/mapping';
import { MappingQueries } from '../erp/query/mapping-queries';
import { wallClock } from '../erp/query/marker';
import { QueryState } from '../erp/query/query-state';
import { connectErp } from '../erp/sql/connect';
import { createTemporalClient } from '../temporal/connection';
import { upsertPollSchedule } from '../temporal/schedule';
import { buildWorkflowBundle } from '../temporal/workflow-bundle';
import { runMigrations } from './migrate';
import { startProcess, stopProcess } from './processes';

export const DEMO_ERPS = ['erpnext', 'odoo'] as const;
export type DemoErp = (typeof DEMO_ERPS)[number];

/** The fixture's reader URL and writer for `erp`: ERPNext in the simulator's MariaDB, Odoo in the local PostgreSQL. */
function fixtureOf(cfg: Config, erp: DemoErp): { readerUrl: string; writer: FixtureWriter } {
  if (erp === 'erpnext') {
    const writerUrl = requireErpWriterUrl(cfg, 'the ERPNext demo writes its fixture and');
    return {
      readerUrl: cfg.ORDERSYNC_ERP_URL,
      writer: new ErpnextWriter(createPool(writerUrl, { connectionLimit: 3 })),
    };
  }
  const env = resolveEnv();
  if (!env.ORDERSYNC_ODOO_URL || !env.ORDERSYNC_ODOO_WRITER_URL) {
    throw new ConfigError(
      'the Odoo demo needs ORDERSYNC_ODOO_URL and ORDERSYNC_ODOO_WRITER_URL: run `npm run infra -- up` with PostgreSQL (scripts/infra/erp-postgres.ts)',
      ['ORDERSYNC_ODOO_URL'],
    );
  }
  return {
    readerUrl: env.ORDERSYNC_ODOO_URL,
    writer: new OdooWriter(
      new pg.Pool({ connectionString: env.ORDERSYNC_ODOO_WRITER_URL, max: 3 }),
    ),
  };
}

export async function demoErp(
  cfg: Config,
  erp: DemoErp,
  o: { orders: number; timeout: number },
): Promise<void> {
  const say = (m: string) => console.log(m);
  await runMigrations(cfg, say);
  const mapping = path.resolve(__dirname, '..', '..', 'mappings', erp);
  const { readerUrl, writer } = fixtureOf(cfg, erp);
  const reader = connectErp(readerUrl);
  const app = createPool(cfg.ORDERSYNC_MYSQL_URL, { connectionLimit: 2 });
  const cursorName = `demo-${erp}`;
  const client = await createTemporalClient(cfg);
  const children: ReturnType<typeof startProcess>[] = [];
  try {
    await writer.init();
    // Only this run's traffic: the watermark starts at the ERP's present.
    const state = new QueryState(app, cursorName);
    const marker = wallClock(Date.now(), loadMapping(mapping).manifest.markerTimeZone);
    for (const scan of ['orders', 'invoices']) await state.setWatermark(scan, { marker, id: '' });
    await upsertPollSchedule(client, {
      scheduleId: cfg.ORDERSYNC_SCHEDULE_ID,
      taskQueue: cfg.ORDERSYNC_TASK_QUEUE,
      everyMs: 2000,
      catchupWindowMs: 60_000,
    });
    await buildWorkflowBundle({ log: say });
    const env = {
      ...process.env,
      ORDERSYNC_ERP_SOURCE: 'query',
      ORDERSYNC_ERP_URL: readerUrl,
      ORDERSYNC_ERP_MAPPING: mapping,
      ORDERSYNC_CURSOR_NAME: cursorName,
    };
    children.push(startProcess('worker', [], env), startProcess('consumer', [], env));
    say(`${erp}: worker and consumer read ${mapping}; logs in ${path.join(dataDir(), 'logs')}`);
    const prefix = `${erp === 'odoo' ? 'S' : 'SO'}-DEMO-${Date.now().toString(36)}`;
    const started = Date.now();
    const orders = await writeFixtureTraffic(writer, o.orders, prefix);
    say(
      `wrote ${orders.length} orders with invoices, credit notes, cancellations, edits and one late commit`,
    );
    const queries = new MappingQueries(reader, loadMapping(mapping));
    const ids = orders.map((x) => x.id);
    let diffs: string[] = [];
    for (;;) {
      diffs = await targetDiffsFromErp(queries, app, ids);
      if (diffs.length === 0) break;
      for (const c of children)
        if (c.exitCode !== null)
          throw new Error(`a child process exited with ${c.exitCode}; see its log`);
      if (Date.now() - started > o.timeout) {
        for (const d of diffs.slice(0, 10)) say(`  ${d}`);
        throw new Error('verification failed: the target does not equal the ERP');
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    say(
      `verified in ${((Date.now() - started) / 1000).toFixed(1)} s: every order and invoice in MySQL equals ${erp}'s current state`,
    );
  } finally {
    await Promise.all(children.map(stopProcess));
    await client.connection.close();
    await Promise.all([writer.close(), reader.close(), app.end()]);
  }
}
