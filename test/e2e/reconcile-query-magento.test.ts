import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErpnextWriter } from '../../src/erp/fixtures/erpnext-writer';
import { fixtureOrders } from '../../src/erp/fixtures/fixture-order';
import type { FixtureOrder } from '../../src/erp/fixtures/fixture-order';
import { writeFixtureTraffic } from '../../src/erp/fixtures/fixture-traffic';
import { loadMapping } from '../../src/erp/query/mapping';
import { MappingQueries } from '../../src/erp/query/mapping-queries';
import { QueryState } from '../../src/erp/query/query-state';
import { MysqlSqlClient } from '../../src/erp/sql/mysql-client';
import { QueryErpSide } from '../../src/reconcile/adapters/query-erp';
import { SqlTargetSide } from '../../src/reconcile/adapters/sql-target';
import type { Sides } from '../../src/reconcile/sweep';
import { loadMapping as loadTargetMapping } from '../../src/target/sql/mapping';
import { createSqlTarget } from '../../src/target/sql/sql-target';
import { TestPipeline } from '../support/pipeline';
import { queryEnvAtPresent } from '../support/query-pipeline';
import { REPO } from '../support/query-source';
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
import { MAGENTO_MAPPING, installTargetFixture } from '../support/target-fixture';

// Reconciliation with both new adapters at once, on the real servers: the
// ERPNext fixture on MariaDB read through the query source (versions numbered
// by ordersync), and the Magento tables written and read through the SQL
// mapping. Brought in sync, then drift of every kind injected by hand.
const ERPNEXT = path.join(REPO, 'mappings', 'erpnext');
let p: TestPipeline;
let prefix: string;
let sides: Sides;
let orders: FixtureOrder[];
let writer: ErpnextWriter;
let reader: MysqlSqlClient;
const children: ChildProcess[] = [];
const RECONCILE_ID = () => `reconcile-qm-${p.runId}`;
const run = () => reconcileRun(p, RECONCILE_ID());

const inSync = () =>
  reconciledInSync(sides, prefix, children, 'the Magento tables to equal the ERPNext fixture');

beforeAll(async () => {
  p = await TestPipeline.create('rcqm');
  prefix = `SO-RQ-${p.runId}`;
  writer = new ErpnextWriter(p.writer);
  await writer.init();
  await installTargetFixture(p.cfg, MAGENTO_MAPPING);
  reader = MysqlSqlClient.fromUrl(p.cfg.ORDERSYNC_ERP_URL);
  const state = new QueryState(p.app, p.cfg.ORDERSYNC_CURSOR_NAME);
  const env = {
    ...(await queryEnvAtPresent(p, state, ERPNEXT)),
    // A paused poll's open run watches until its budget ends: short, so pausePoll is.
    ORDERSYNC_POLL_BUDGET: '3s',
    ORDERSYNC_TARGET: 'sql',
    ORDERSYNC_TARGET_MAPPING: MAGENTO_MAPPING,
  };
  children.push(p.start('worker', env), p.start('consumer', env));
  await p.schedule();
  sides = {
    erp: new QueryErpSide(new MappingQueries(reader, loadMapping(ERPNEXT)), state),
    target: new SqlTargetSide(
      p.app,
      createSqlTarget(loadTargetMapping(MAGENTO_MAPPING)),
      loadTargetMapping(MAGENTO_MAPPING),
    ),
  };
  await createReconcileSchedule(p, RECONCILE_ID(), prefix, 3000);
}, 180_000);

afterAll(async () => {
  await deleteReconcileSchedule(p, RECONCILE_ID);
  await reader?.close();
  await p?.close();
});

describe('reconciliation, query source (ERPNext) into the Magento mapping, real servers', () => {
  it('reports zero drift once the pipeline is in sync, on every field the mapping keeps', async () => {
    orders = await writeFixtureTraffic(writer, 12, prefix);
    await inSync();
    const r = await run();
    expect(r.checked).toBeGreaterThanOrEqual(12);
    expect(r.counts).toEqual(driftCounts({}));
  }, 240_000);

  it('clears an order that changes while it is compared, and never reports it', async () => {
    await changeWhileCompared(p, sides, writer, orders[4]!, inSync);
  }, 240_000);

  it('finds every kind in one run, repairs missing, behind and both lost invoices, and the next run finds only the rest', async () => {
    const edited = orders[2]!.id;
    const deletedInvoice = orders[5]!.id; // invoiced, no credit note
    const deletedInErp = orders[3]!.id; // no invoice
    const behind = orders[6]!;
    // Not invoiced before; ERPNext's invoice also moves the order's status, so it is behind too.
    const lostInvoice = orders[10]!;
    const missing = fixtureOrders(1, `${prefix}-lost`)[0]!;
    // A manual edit and a deleted invoice in the Magento tables.
    await p.app.query("UPDATE sales_order SET status = 'returned' WHERE increment_id = ?", [
      edited,
    ]);
    await p.app.query(
      'DELETE v FROM sales_invoice v JOIN sales_order o ON o.entity_id = v.order_id WHERE o.increment_id = ?',
      [deletedInvoice],
    );
    // An order deleted in the ERP.
    await p.writer.query('DELETE FROM `tabSales Order Item` WHERE parent = ?', [deletedInErp]);
    await p.writer.query('DELETE FROM `tabSales Order` WHERE name = ?', [deletedInErp]);
    // Changes lost before Kafka: made while the poll is paused, their markers
    // then set ten minutes back, past the watermark and its 2-minute look-back:
    // a transaction that committed later than the look-back after its marker,
    // the one loss the query source documents.
    const poll = await pausePoll(p);
    behind.lines[0]!.qty += 3;
    await writer.updateLines(behind);
    await writer.invoice(lostInvoice, `INV-${lostInvoice.id}`);
    await writer.createOrder(missing);
    const lost = [behind.id, lostInvoice.id, missing.id];
    await p.writer.query(
      'UPDATE `tabSales Order` SET modified = modified - INTERVAL 10 MINUTE WHERE name IN (?)',
      [lost],
    );
    await p.writer.query(
      `UPDATE \`tabSales Invoice\` si JOIN \`tabSales Invoice Item\` sii ON sii.parent = si.name
          SET si.modified = si.modified - INTERVAL 10 MINUTE
        WHERE sii.sales_order = ?`,
      [lostInvoice.id],
    );
    await poll.unpause('reconcile test: changes lost');

    const r = await run();
    expect(r.counts).toEqual(
      driftCounts({ missing: 1, behind: 2, differs: 1, missing_invoice: 2, orphan: 1 }),
    );
    expect(r.first).toMatchObject({
      missing: [missing.id],
      differs: [edited],
      orphan: [deletedInErp],
    });
    expect([...r.first.behind].sort()).toEqual([behind.id, lostInvoice.id].sort());
    expect([...r.first.missing_invoice].sort()).toEqual([deletedInvoice, lostInvoice.id].sort());
    expect([...r.repaired].sort()).toEqual(
      [missing.id, behind.id, deletedInvoice, lostInvoice.id].sort(),
    );

    await repairedUnder(sides, prefix, 90_000);
    const [restored] = await p.app.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM sales_invoice v JOIN sales_order o ON o.entity_id = v.order_id WHERE o.increment_id = ?',
      [deletedInvoice],
    );
    expect(Number(restored[0]!.n)).toBe(1);
    const next = await run();
    expect(next.counts).toEqual(driftCounts({ differs: 1, orphan: 1 }));
    // Never overwritten: the manual edit is still there.
    const [status] = await p.app.query<RowDataPacket[]>(
      'SELECT status FROM sales_order WHERE increment_id = ?',
      [edited],
    );
    expect(status[0]!.status).toBe('returned');
  }, 300_000);
});
