import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_DRIFT } from '../../src/cli/reconcile';
import { CursorRepository } from '../../src/db/cursor-repository';
import { jsonColumn } from '../../src/db/json-column';
import { toSqlDateTime } from '../../src/db/time';
import { BuiltinTargetSide } from '../../src/reconcile/adapters/builtin-target';
import { MysqlSqlClient } from '../../src/erp/sql/mysql-client';
import { OutboxErpSide } from '../../src/reconcile/adapters/outbox-erp';
import { checkNow } from '../../src/reconcile/check-now';
import type { DriftKind } from '../../src/reconcile/kinds';
import type { Sides } from '../../src/reconcile/sweep';
import { waitForNoOpenRun } from '../../src/temporal/schedule';
import { eventually } from '../support/env';
import { runCli } from '../support/cli';
import {
  createReconcileSchedule,
  deleteReconcileSchedule,
  driftCounts,
  reconcileRun as reconcileRunOf,
} from '../support/reconcile-run';
import { TestPipeline } from '../support/pipeline';

// Reconciliation on the real servers: a pipeline brought in sync, then drift of
// every kind injected by hand; one reconcile run (started by its Schedule on the
// pipeline's worker) reports each with its kind, repairs the replayable kinds,
// and the next run reports them gone.
let p: TestPipeline;
let prefix: string;
let sides: Sides;
let ids: string[];
const RECONCILE_ID = () => `reconcile-${p.runId}`;

const cli = (...args: string[]) => runCli(p.env, ...args);

const reconcileRun = () => reconcileRunOf(p, RECONCILE_ID());

/** Drift counts with the kinds nobody repairs (one each here) and zero for the rest, unless given. */
const counts = (c: Partial<Record<DriftKind, number>>) =>
  driftCounts({ differs: 1, extra_invoice: 1, orphan: 1, ...c });

async function rows(sql: string, params: unknown[] = []): Promise<RowDataPacket[]> {
  const [r] = await p.app.query<RowDataPacket[]>(sql, params);
  return r;
}

/** Writes an ERP event the poller will never see: the cursor is moved past it while polling is paused. */
async function undeliveredEvent(
  orderId: string,
  type: 'order_creation' | 'order_updation' | 'invoice_creation',
  version: number,
  channel: string,
  data: unknown,
): Promise<void> {
  await p.writer.query(
    'INSERT INTO order_events (event_id, order_id, channel, type, version, occurred_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?)',
    [
      `${orderId}-v${version}-lost`,
      orderId,
      channel,
      type,
      version,
      toSqlDateTime(new Date().toISOString()),
      JSON.stringify(data),
    ],
  );
}

beforeAll(async () => {
  p = await TestPipeline.create('rc');
  prefix = `RC-${p.runId}`;
  p.start('worker');
  p.start('consumer');
  await p.schedule();
  sides = {
    erp: new OutboxErpSide(new MysqlSqlClient(p.reader)),
    target: new BuiltinTargetSide(p.app),
  };
  await createReconcileSchedule(p, RECONCILE_ID(), prefix, 2000);
}, 180_000);

afterAll(async () => {
  await deleteReconcileSchedule(p, RECONCILE_ID);
  await p?.close();
});

describe('reconciliation, real servers', () => {
  it('reports zero drift on a pipeline in sync', async () => {
    const sim = await p.simulate({
      orders: 12,
      prefix,
      concurrency: 4,
      lateCommitProbability: 0.2,
    });
    ids = [...sim.orderIds].sort();
    await p.converge(prefix, 120_000, 'the target to equal the ERP');
    const now = await checkNow(sides, {
      scope: { idPrefix: prefix },
      pageSize: 5,
      recheckDelayMs: 500,
    });
    expect(now.checked).toBe(12);
    expect(now.drift).toEqual([]);
    const r = await reconcileRun();
    expect(r.checked).toBe(12);
    expect(r.counts).toEqual(driftCounts({}));
  }, 180_000);

  it('finds every kind in one run, repairs missing, behind and missing_invoice, and the next run finds only the rest', async () => {
    const [differs, deletedInvoice, extraInvoice, orphan, behind, lostInvoice] = ids as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const missing = `${prefix}-never-delivered`;
    // A manual edit in the target.
    await p.app.query(
      "UPDATE orders SET status = IF(status = 'cancelled', 'pending', 'cancelled') WHERE order_id = ?",
      [differs],
    );
    // A deleted target invoice, and an invoice the ERP never issued.
    await p.app.query('DELETE FROM invoices WHERE order_id = ?', [deletedInvoice]);
    await p.app.query(
      "INSERT INTO invoices (invoice_id, order_id, number, amount, tax, currency, issued_at) VALUES (?, ?, 'X/1', '1.00', '0.18', 'EUR', '2026-01-01 00:00:00.000')",
      [`${extraInvoice}-extra`, extraInvoice],
    );
    // An order deleted in the ERP.
    await p.writer.query('DELETE FROM order_events WHERE order_id = ?', [orphan]);
    // Three events lost before Kafka: polling paused, the cursor moved past them.
    const poll = p.client.schedule.getHandle(p.cfg.ORDERSYNC_SCHEDULE_ID);
    await poll.pause('reconcile test: losing events');
    expect(await waitForNoOpenRun(poll, 60_000)).toBe(true);
    const [latest] = await p.reader.query<RowDataPacket[]>(
      "SELECT channel, version, payload FROM order_events WHERE order_id = ? AND type <> 'invoice_creation' ORDER BY version DESC LIMIT 1",
      [behind],
    );
    const [top] = await p.reader.query<RowDataPacket[]>(
      'SELECT MAX(version) AS v FROM order_events WHERE order_id = ?',
      [behind],
    );
    const snap = jsonColumn<Record<string, unknown>>(latest[0]!.payload);
    await undeliveredEvent(
      behind,
      'order_updation',
      Number(top[0]!.v) + 1,
      String(latest[0]!.channel),
      { ...snap, status: 'delivered' },
    );
    await undeliveredEvent(missing, 'order_creation', 1, 'store', snap);
    // The order may hold a credit note after its invoice: the lost one follows the highest version.
    const [inv] = await p.reader.query<RowDataPacket[]>(
      "SELECT channel, version, payload FROM order_events WHERE order_id = ? AND type = 'invoice_creation' ORDER BY version",
      [lostInvoice],
    );
    const [invTop] = await p.reader.query<RowDataPacket[]>(
      'SELECT MAX(version) AS v FROM order_events WHERE order_id = ?',
      [lostInvoice],
    );
    await undeliveredEvent(
      lostInvoice,
      'invoice_creation',
      Number(invTop[0]!.v) + 1,
      String(inv[0]!.channel),
      { ...jsonColumn<Record<string, unknown>>(inv[0]!.payload), invoiceId: `${lostInvoice}-2` },
    );
    const [end] = await p.reader.query<RowDataPacket[]>('SELECT MAX(seq) AS s FROM order_events');
    await new CursorRepository(p.app).save(p.cfg.ORDERSYNC_CURSOR_NAME, {
      position: Number(end[0]!.s),
      gaps: [],
    });
    await poll.unpause('reconcile test: events lost');

    const r = await reconcileRun();
    expect(r.counts).toEqual(counts({ missing: 1, behind: 1, missing_invoice: 2 }));
    expect(r.first).toMatchObject({
      missing: [missing],
      behind: [behind],
      differs: [differs],
      extra_invoice: [extraInvoice],
      orphan: [orphan],
    });
    expect([...r.first.missing_invoice].sort()).toEqual([deletedInvoice, lostInvoice].sort());
    const replayable = [missing, behind, deletedInvoice, lostInvoice];
    expect([...r.repaired].sort()).toEqual(replayable.sort());

    // The replays go through the orders' workflows. The hand-deleted invoice
    // is re-applied too: its ledger row is forgotten once the target is read
    // (under the order's lock) to still lack it.
    await eventually(
      async () => {
        const now = await checkNow(sides, {
          scope: { idPrefix: prefix },
          pageSize: 500,
          recheckDelayMs: 0,
        });
        const c = now.summary.counts;
        return c.missing + c.behind + c.missing_invoice === 0 ? now : undefined;
      },
      60_000,
      'the replays to repair missing, behind, the lost and the deleted invoice',
    );
    const [restored] = await rows('SELECT COUNT(*) AS n FROM invoices WHERE order_id = ?', [
      deletedInvoice,
    ]);
    const [issued] = await p.reader.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM order_events WHERE order_id = ? AND type = 'invoice_creation'",
      [deletedInvoice],
    );
    expect(Number(restored!.n)).toBe(Number(issued[0]!.n));
    expect(Number(restored!.n)).toBeGreaterThan(0);
    const next = await reconcileRun();
    expect(next.counts).toEqual(counts({}));
    // The full sweep's position travels from run to run through the Schedule.
    expect(next.fullSweep.cycles).toBe(r.fullSweep.cycles + 1);
    // Never overwritten: the manual edit is still there.
    const [edited] = await rows('SELECT status FROM orders WHERE order_id = ?', [differs]);
    const [erpSide] = (await sides.erp.readOrders([differs])).values();
    expect(edited!.status).not.toBe(erpSide!.snapshot.status);

    // The command: same verdict, a table by kind, non-zero exit.
    const table = await cli('reconcile', '--prefix', prefix, '--recheck-delay', '200ms');
    expect(table.code, table.stdout).toBe(EXIT_DRIFT);
    expect(table.stdout).toMatch(new RegExp(`differs\\s+1\\s+${differs}`));
    expect(table.stdout).toMatch(new RegExp(`orphan\\s+1\\s+${orphan}`));
    const one = await cli('reconcile', '--order', behind, '--json', '--recheck-delay', '0');
    expect(one.code, one.stdout).toBe(0);
    expect(JSON.parse(one.stdout)).toMatchObject({ checked: 1, drift: [] });
  }, 240_000);
});
