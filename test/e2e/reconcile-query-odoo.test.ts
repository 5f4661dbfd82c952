import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OdooWriter } from '../../src/erp/fixtures/odoo-writer';
import { fixtureOrders } from '../../src/erp/fixtures/fixture-order';
import type { FixtureOrder } from '../../src/erp/fixtures/fixture-order';
import { writeFixtureTraffic } from '../../src/erp/fixtures/fixture-traffic';
import { loadMapping } from '../../src/erp/query/mapping';
import { MappingQueries } from '../../src/erp/query/mapping-queries';
import { QueryState } from '../../src/erp/query/query-state';
import { PgSqlClient } from '../../src/erp/sql/pg-client';
import { EXIT_DRIFT } from '../../src/cli/reconcile';
import { BuiltinTargetSide } from '../../src/reconcile/adapters/builtin-target';
import { QueryErpSide } from '../../src/reconcile/adapters/query-erp';
import { checkNow } from '../../src/reconcile/check-now';
import type { Sides } from '../../src/reconcile/sweep';
import { runCli } from '../support/cli';
import { TestPipeline } from '../support/pipeline';
import { queryEnvAtPresent } from '../support/query-pipeline';
import { REPO, odooTestUrls } from '../support/query-source';
import {
  changeWhileCompared,
  pausePoll,
  reconciledInSync,
  repairedUnder,
} from '../support/reconcile-checks';
import {
  createReconcileSchedule,
  deleteReconcileSchedule,
  driftCounts,
  reconcileRun,
} from '../support/reconcile-run';

// Reconciliation of the query source on PostgreSQL: the Odoo fixture read
// through the shipped mapping (markers and amounts as PostgreSQL returns
// them, `$n` bind markers), into the built-in tables. Brought in sync, then
// drift of every kind injected by hand on both sides.
const ODOO = path.join(REPO, 'mappings', 'odoo');
let p: TestPipeline;
let prefix: string;
let sides: Sides;
let orders: FixtureOrder[];
let writer: OdooWriter;
let reader: PgSqlClient;
const children: ChildProcess[] = [];
/** The processes' environment beyond the pipeline's: the query source on the Odoo fixture. */
let env: Record<string, string>;
const RECONCILE_ID = () => `reconcile-qo-${p.runId}`;
const run = () => reconcileRun(p, RECONCILE_ID());
const inSync = () =>
  reconciledInSync(
    sides,
    prefix,
    children,
    'the built-in tables to equal the Odoo fixture',
    60_000,
  );
/** The orders whose id starts with `prefix` that changed at or after `since`, compared now. */
const recent = (since: Date) =>
  checkNow(sides, { since, scope: { idPrefix: prefix }, pageSize: 5, recheckDelayMs: 0 });

beforeAll(async () => {
  p = await TestPipeline.create('rcod');
  prefix = `S-RO-${p.runId}`;
  const urls = odooTestUrls();
  writer = new OdooWriter(new pg.Pool({ connectionString: urls.writer, max: 3 }));
  await writer.init();
  reader = PgSqlClient.fromUrl(urls.reader);
  const state = new QueryState(p.app, p.cfg.ORDERSYNC_CURSOR_NAME);
  env = {
    ...(await queryEnvAtPresent(p, state, ODOO, urls.reader)),
    // A paused poll's open run watches until its budget ends: short, so pausePoll is.
    ORDERSYNC_POLL_BUDGET: '3s',
  };
  children.push(p.start('worker', env), p.start('consumer', env));
  await p.schedule();
  sides = {
    erp: new QueryErpSide(new MappingQueries(reader, loadMapping(ODOO)), state),
    target: new BuiltinTargetSide(p.app),
  };
  await createReconcileSchedule(p, RECONCILE_ID(), prefix, 2000);
}, 180_000);

afterAll(async () => {
  await deleteReconcileSchedule(p, RECONCILE_ID);
  await reader?.close();
  await writer?.close();
  await p?.close();
});

describe('reconciliation, query source (Odoo on PostgreSQL) into the built-in tables, real servers', () => {
  it('reports zero drift once the pipeline is in sync, in a run and in a recent sweep', async () => {
    const started = new Date();
    orders = await writeFixtureTraffic(writer, 12, prefix);
    await inSync();
    const r = await run();
    expect(r.checked).toBeGreaterThanOrEqual(12);
    expect(r.counts).toEqual(driftCounts({}));
    // The recent sweep pages through changed_orders.sql (five rows a page, an
    // order's header and lines each a row): every order, and nothing after now.
    expect(await recent(started)).toMatchObject({ checked: 12, drift: [] });
    expect(await recent(new Date(Date.now() + 1000))).toMatchObject({ checked: 0 });
  }, 180_000);

  it('clears an order that changes while it is compared, and never reports it', async () => {
    await changeWhileCompared(p, sides, writer, orders[4]!, inSync);
  }, 240_000);

  it('finds every kind in one run, repairs missing, behind and both lost invoices, and the next run finds only the rest', async () => {
    const edited = orders[2]!.id;
    const deletedInErp = orders[3]!.id; // no invoice
    const deletedInvoice = orders[5]!.id; // invoiced, no credit note
    const extraInvoice = orders[7]!.id; // not invoiced
    const behind = orders[6]!;
    // Not invoiced before; Odoo's invoice moves invoice_status, which the snapshot does not carry.
    const lostInvoice = orders[10]!;
    const missing = fixtureOrders(1, `${prefix}-lost`)[0]!;
    // A manual edit, a deleted invoice and an invoice the ERP never issued, in the target.
    await p.app.query(
      "UPDATE orders SET status = IF(status = 'cancelled', 'pending', 'cancelled') WHERE order_id = ?",
      [edited],
    );
    await p.app.query('DELETE FROM invoices WHERE order_id = ?', [deletedInvoice]);
    await p.app.query(
      "INSERT INTO invoices (invoice_id, order_id, number, amount, tax, currency, issued_at) VALUES (?, ?, 'X/1', '1.00', '0.19', 'EUR', '2026-01-01 00:00:00.000')",
      [`${extraInvoice}-extra`, extraInvoice],
    );
    // An order deleted in the ERP.
    await writer.pool.query(
      'DELETE FROM sale_order_line WHERE order_id = (SELECT id FROM sale_order WHERE name = $1)',
      [deletedInErp],
    );
    await writer.pool.query('DELETE FROM sale_order WHERE name = $1', [deletedInErp]);
    // Changes lost before Kafka: made while the poll is paused, their markers
    // then set ten minutes back, past the watermark and its 2-minute look-back.
    const poll = await pausePoll(p);
    behind.lines[0]!.qty += 3;
    await writer.updateLines(behind);
    await writer.invoice(lostInvoice, `INV-${lostInvoice.id}`);
    await writer.createOrder(missing);
    const lost = [behind.id, lostInvoice.id, missing.id];
    await writer.pool.query(
      `UPDATE sale_order_line SET write_date = write_date - interval '10 minutes'
        WHERE order_id IN (SELECT id FROM sale_order WHERE name = ANY($1))`,
      [lost],
    );
    await writer.pool.query(
      "UPDATE sale_order SET write_date = write_date - interval '10 minutes' WHERE name = ANY($1)",
      [lost],
    );
    await writer.pool.query(
      "UPDATE account_move SET write_date = write_date - interval '10 minutes' WHERE invoice_origin = $1",
      [lostInvoice.id],
    );
    await poll.unpause('reconcile test: changes lost');

    // The recent sweep bounds markers by `since`: five minutes back leaves the
    // lost changes out, an hour back takes them in; the ERP's deleted order it cannot see.
    const fiveMinutes = await recent(new Date(Date.now() - 5 * 60_000));
    expect(fiveMinutes.summary.counts).toEqual(
      driftCounts({ differs: 1, missing_invoice: 1, extra_invoice: 1 }),
    );
    const hour = await recent(new Date(Date.now() - 3_600_000));
    expect(hour.summary.counts).toEqual(
      driftCounts({ missing: 1, behind: 1, differs: 1, missing_invoice: 2, extra_invoice: 1 }),
    );

    const r = await run();
    expect(r.counts).toEqual(
      driftCounts({
        missing: 1,
        behind: 1,
        differs: 1,
        missing_invoice: 2,
        extra_invoice: 1,
        orphan: 1,
      }),
    );
    expect(r.first).toMatchObject({
      missing: [missing.id],
      behind: [behind.id],
      differs: [edited],
      extra_invoice: [extraInvoice],
      orphan: [deletedInErp],
    });
    expect([...r.first.missing_invoice].sort()).toEqual([deletedInvoice, lostInvoice.id].sort());
    expect([...r.repaired].sort()).toEqual(
      [missing.id, behind.id, deletedInvoice, lostInvoice.id].sort(),
    );

    await repairedUnder(sides, prefix, 60_000);
    const [restored] = await p.app.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM invoices WHERE order_id = ?',
      [deletedInvoice],
    );
    expect(Number(restored[0]!.n)).toBe(1);
    const next = await run();
    // Never overwritten: the manual edit, the extra invoice and the orphan stay reported.
    expect(next.counts).toEqual(driftCounts({ differs: 1, extra_invoice: 1, orphan: 1 }));
    // The full sweep through all_orders.sql: one whole cycle per run, its position carried over.
    expect(next.fullSweep.cycles).toBe(r.fullSweep.cycles + 1);
    const [status] = await p.app.query<RowDataPacket[]>(
      'SELECT status FROM orders WHERE order_id = ?',
      [edited],
    );
    const [erpSide] = (await sides.erp.readOrders([edited])).values();
    expect(status[0]!.status).not.toBe(erpSide!.snapshot.status);

    // The command on the same pair: the same verdict, a table by kind, the drift exit status.
    const table = await runCli(
      { ...p.env, ...env },
      'reconcile',
      '--prefix',
      prefix,
      '--recheck-delay',
      '200ms',
    );
    expect(table.code, table.stdout).toBe(EXIT_DRIFT);
    expect(table.stdout).toMatch(new RegExp(`differs\\s+1\\s+${edited}`));
    expect(table.stdout).toMatch(new RegExp(`extra_invoice\\s+1\\s+${extraInvoice}`));
    expect(table.stdout).toMatch(new RegExp(`orphan\\s+1\\s+${deletedInErp}`));
    expect(table.stdout).toMatch(/^missing +0 *$/m);
  }, 240_000);
});
