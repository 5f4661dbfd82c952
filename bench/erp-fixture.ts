/**
 * `npm run bench -- --erp <mapping>`: ordersync reads an ERP fixture's own
 * tables through the query source. The fixture writer makes the burst; the
 * events ordersync produced are then copied from its topics into the bench's
 * change log, so both floors carry exactly those events.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import pg from 'pg';
import { resolveEnv } from '../src/config';
import { ErpnextWriter } from '../src/erp/fixtures/erpnext-writer';
import { fixtureOrders } from '../src/erp/fixtures/fixture-order';
import type { FixtureOrder, FixtureWriter } from '../src/erp/fixtures/fixture-order';
import { OdooWriter } from '../src/erp/fixtures/odoo-writer';
import { loadMapping } from '../src/erp/query/mapping';
import { MappingQueries } from '../src/erp/query/mapping-queries';
import { wallClock } from '../src/erp/query/marker';
import { QueryState } from '../src/erp/query/query-state';
import { connectErp } from '../src/erp/sql/connect';
import type { SqlClient } from '../src/erp/sql/client';
import { readDlq } from '../src/kafka/dlq-reader';
import { eventTopics, topicsFromConfig } from '../src/kafka/topics';
import type { TestPipeline } from '../test/support/pipeline';
import type { ErpSourceOption } from './common';

/** The ERP fixtures with a writer; a mapping of one's tables names the fixture by its dialect. */
export const FIXTURES = ['erpnext', 'odoo'] as const;
export type Fixture = (typeof FIXTURES)[number];

type ErpBench = ErpSourceOption;

const REPO = path.join(__dirname, '..');

/**
 * `--erp erpnext|odoo` or a mapping directory; a directory's fixture is
 * `fixture`, else the one of its dialect (mysql: ERPNext, postgres: Odoo).
 */
export function resolveErpBench(arg: string, fixture?: string): ErpBench {
  const shipped = (FIXTURES as readonly string[]).includes(arg);
  const mapping = shipped ? path.join(REPO, 'mappings', arg) : path.resolve(arg);
  if (!existsSync(path.join(mapping, 'manifest.json')))
    throw new Error(
      `--erp ${arg}: no manifest.json in ${mapping} (give erpnext, odoo or a mapping directory)`,
    );
  if (fixture !== undefined && !(FIXTURES as readonly string[]).includes(fixture))
    throw new Error(`--erp-fixture must be one of ${FIXTURES.join(', ')}, got ${fixture}`);
  const dialect = loadMapping(mapping).manifest.dialect;
  const chosen = (fixture ??
    (shipped ? arg : dialect === 'postgres' ? 'odoo' : 'erpnext')) as Fixture;
  const wants = chosen === 'odoo' ? 'postgres' : 'mysql';
  if (dialect !== wants)
    throw new Error(
      `--erp ${arg}: the mapping is written for ${dialect}, the ${chosen} fixture is ${wants}`,
    );
  return { mapping, fixture: chosen };
}

export interface OpenFixture {
  writer: FixtureWriter;
  reader: SqlClient;
  /** The URL the worker reads the ERP at. */
  readerUrl: string;
  queries: MappingQueries;
  close(): Promise<void>;
}

/** The fixture's writer and a reader of its tables through the mapping: ERPNext in the ERP MariaDB, Odoo in the local PostgreSQL. */
export async function openFixture(
  p: Pick<TestPipeline, 'cfg' | 'writer'>,
  erp: ErpBench,
): Promise<OpenFixture> {
  let writer: FixtureWriter;
  let readerUrl: string;
  if (erp.fixture === 'erpnext') {
    writer = new ErpnextWriter(p.writer);
    readerUrl = p.cfg.ORDERSYNC_ERP_URL;
  } else {
    const env = resolveEnv();
    if (!env.ORDERSYNC_ODOO_URL || !env.ORDERSYNC_ODOO_WRITER_URL)
      throw new Error(
        '--erp odoo needs ORDERSYNC_ODOO_URL and ORDERSYNC_ODOO_WRITER_URL: run `npm run infra -- up` with PostgreSQL',
      );
    writer = new OdooWriter(
      new pg.Pool({ connectionString: env.ORDERSYNC_ODOO_WRITER_URL, max: 8 }),
    );
    readerUrl = env.ORDERSYNC_ODOO_URL;
  }
  await writer.init();
  const reader = connectErp(readerUrl);
  return {
    writer,
    reader,
    readerUrl,
    queries: new MappingQueries(reader, loadMapping(erp.mapping)),
    close: async () => {
      await reader.close();
      // The ERPNext writer borrows the pipeline's pool, which the pipeline closes.
      if (erp.fixture !== 'erpnext') await writer.close();
    },
  };
}

/** Starts the query source's watermarks at the ERP's present, so only this run's traffic is read. */
export async function startAtPresent(app: Pool, cursorName: string, erp: ErpBench): Promise<void> {
  const state = new QueryState(app, cursorName);
  const marker = wallClock(Date.now(), loadMapping(erp.mapping).manifest.markerTimeZone);
  for (const scan of ['orders', 'invoices']) await state.setWatermark(scan, { marker, id: '' });
}

/**
 * What the fixture writer does to order `i` after creating it, as the e2e
 * traffic does (invoices, credit notes, fulfilment, cancellations, line edits),
 * without its deliberately late commit: that is a correctness scenario.
 */
export async function orderLife(w: FixtureWriter, o: FixtureOrder, i: number): Promise<number> {
  let changes = 0;
  const step = async (write: () => Promise<void>) => {
    await retryDeadlock(write);
    changes++;
  };
  await step(() => w.createOrder(o));
  if (i % 4 === 1) {
    await step(() => w.invoice(o, `INV-${o.id}`));
    if (i % 8 === 1) await step(() => w.creditNote(o, `CN-${o.id}`, `INV-${o.id}`));
  }
  if (i % 4 === 2) await step(() => w.advance(o.id));
  if (i % 6 === 3) await step(() => w.cancel(o.id));
  if (i % 5 === 4) {
    o.lines[0]!.qty += 2;
    await step(() => w.updateLines(o));
  }
  return changes;
}

/** A deadlock or serialisation failure: the transaction was rolled back and may run again. */
export function isRetryableWrite(err: unknown): boolean {
  const e = err as { errno?: number; code?: string };
  return e.errno === 1213 || e.code === '40P01' || e.code === '40001';
}

/**
 * Runs one ERP transaction again after a deadlock, as an ERP's own framework
 * does: writers running orders side by side deadlock on the child tables'
 * indexes now and then, and each of the writer's steps is one transaction.
 */
export async function retryDeadlock(write: () => Promise<void>, attempts = 5): Promise<void> {
  for (let n = 1; ; n++) {
    try {
      await write();
      return;
    } catch (err) {
      if (n >= attempts || !isRetryableWrite(err)) throw err;
      await new Promise((r) => setTimeout(r, 10 * n));
    }
  }
}

/** `count` orders through their life, `concurrency` orders at a time; returns the ids and ERP transactions. */
export async function writeFixtureBurst(
  w: FixtureWriter,
  count: number,
  prefix: string,
  concurrency = 4,
): Promise<{ orderIds: string[]; changes: number }> {
  const orders = fixtureOrders(count, prefix);
  let next = 0;
  let changes = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, orders.length) }, async () => {
      while (next < orders.length) {
        const i = next++;
        changes += await orderLife(w, orders[i]!, i);
      }
    }),
  );
  return { orderIds: orders.map((o) => o.id), changes };
}

/** An event as ordersync's poll produced it to Kafka (the message value). */
interface Produced {
  eventId: string;
  orderId: string;
  channel: string;
  type: string;
  erpVersion: number;
  occurredAt: string;
  data: unknown;
}

/** Produced events of orders `${prefix}-…` as change-log rows, one per event id, in produce order. */
export function changeLogRows(values: readonly string[], prefix: string): unknown[][] {
  const seen = new Set<string>();
  const out: unknown[][] = [];
  for (const v of values) {
    const e = JSON.parse(v) as Produced;
    if (!e.orderId.startsWith(`${prefix}-`) || seen.has(e.eventId)) continue;
    seen.add(e.eventId);
    const at = new Date(e.occurredAt).toISOString().replace('T', ' ').replace('Z', '');
    out.push([e.eventId, e.orderId, e.channel, e.type, e.erpVersion, at, JSON.stringify(e.data)]);
  }
  return out;
}

/**
 * Copies the events ordersync produced for `prefix` from its topics into the
 * change log (`order_events`), where the floors and the lag figures read them.
 * Returns how many.
 */
export async function copyProducedEvents(
  p: Pick<TestPipeline, 'cfg' | 'kafka' | 'writer'>,
  prefix: string,
): Promise<number> {
  const values: string[] = [];
  for (const topic of eventTopics(topicsFromConfig(p.cfg)))
    for (const e of await readDlq(p.kafka, topic))
      if (e.message.key?.toString().startsWith(`${prefix}-`) && e.message.value)
        values.push(e.message.value.toString());
  const rows = changeLogRows(values, prefix);
  for (let i = 0; i < rows.length; i += 500)
    await p.writer.query(
      'INSERT IGNORE INTO order_events (event_id, order_id, channel, type, version, occurred_at, payload) VALUES ?',
      [rows.slice(i, i + 500)],
    );
  return rows.length;
}

/**
 * The ledger's own checks for orders `${prefix}-…`: snapshots applied out of
 * version order, and a version applied by two different events.
 */
export async function ledgerChecks(
  app: Pool,
  prefix: string,
): Promise<{ violations: number; duplicates: number }> {
  const [rows] = await app.query<RowDataPacket[]>(
    `SELECT order_id, erp_version FROM ordersync_applied_events
     WHERE order_id LIKE ? AND outcome = 'applied' AND type IN ('order_creation', 'order_updation')
     ORDER BY seq`,
    [`${prefix}-%`],
  );
  return countLedgerFaults(rows.map((r) => [String(r.order_id), Number(r.erp_version)]));
}

/** Over applied snapshots in apply order: a version not above the order's highest so far is a violation, and a repeat a duplicate too. */
export function countLedgerFaults(applied: ReadonlyArray<readonly [string, number]>): {
  violations: number;
  duplicates: number;
} {
  const highest = new Map<string, number>();
  const seen = new Set<string>();
  let violations = 0;
  let duplicates = 0;
  for (const [order, version] of applied) {
    const key = `${order}\u0000${version}`;
    if (seen.has(key)) duplicates++;
    seen.add(key);
    if (version <= (highest.get(order) ?? 0)) violations++;
    highest.set(order, Math.max(version, highest.get(order) ?? 0));
  }
  return { violations, duplicates };
}
