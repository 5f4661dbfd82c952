import type { ChildProcess } from 'node:child_process';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMapping } from '../../src/target/sql/mapping';
import { createSqlTarget } from '../../src/target/sql/sql-target';
import { verifyThroughTarget } from '../../src/target/verify-target';
import { eventually } from '../support/env';
import { TestPipeline } from '../support/pipeline';
import { MAGENTO_MAPPING, installTargetFixture } from '../support/target-fixture';

// Issue 25: the whole pipeline with the sql target and the shipped Magento 2
// mapping on the real MariaDB. The oracle reads the target through
// read_order.sql and finds every order, line and invoice equal to the ERP.
let p: TestPipeline;
let prefix: string;
const children: ChildProcess[] = [];
const target = createSqlTarget(loadMapping(MAGENTO_MAPPING));

beforeAll(async () => {
  p = await TestPipeline.create('e2emag');
  prefix = `MG-${p.runId}`.slice(0, 40);
  await installTargetFixture(p.cfg, MAGENTO_MAPPING);
  const mapped = { ORDERSYNC_TARGET: 'sql', ORDERSYNC_TARGET_MAPPING: MAGENTO_MAPPING };
  for (const role of ['worker', 'consumer'] as const) children.push(p.start(role, mapped));
  await p.schedule();
});

afterAll(async () => {
  await p?.close();
});

describe('the pipeline with the Magento mapping, real servers, separate processes', () => {
  it('brings every order to the ERP state in sales_order, sales_order_item and sales_invoice', async () => {
    const sim = await p.simulate({
      orders: 40,
      prefix,
      concurrency: 4,
      lateCommitProbability: 0.3,
      lateCommitMs: 400,
    });
    expect(sim.events).toBeGreaterThanOrEqual(80);
    const report = await eventually(
      async () => {
        for (const c of children)
          if (c.exitCode !== null) throw new Error(`a child process exited with ${c.exitCode}`);
        const r = await verifyThroughTarget(p.reader, p.app, prefix, target);
        return r.unaccounted === 0 && r.mismatched.length === 0 ? r : undefined;
      },
      240_000,
      'the Magento tables to equal the ERP',
    );
    expect(report.orders).toBe(40);
    expect(report.matching).toBe(40);
    expect(report.duplicates).toBe(0);
    expect(report.orderingViolations).toBe(0);
    expect(report.appliedEvents + report.skippedEvents).toBe(sim.events);
    const [one] = sim.orderIds as [string];
    const stored = await target.readOrder(p.app, one);
    expect(stored?.lines.length).toBeGreaterThan(0);
    // Every order is invoiced; some also get a credit note (sales_creditmemo).
    const [erpInvoices] = await p.reader.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM order_events WHERE order_id = ? AND type = 'invoice_creation'",
      [one],
    );
    expect(Number(erpInvoices[0]!.n)).toBeGreaterThanOrEqual(1);
    expect(stored?.invoices).toHaveLength(Number(erpInvoices[0]!.n));
  }, 300_000);
});
