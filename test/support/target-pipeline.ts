import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MysqlSqlClient } from '../../src/erp/sql/mysql-client';
import { OutboxErpSide } from '../../src/reconcile/adapters/outbox-erp';
import { reconcileTargetSide } from '../../src/reconcile/adapters/target-side';
import { checkNow } from '../../src/reconcile/check-now';
import { TestPipeline } from './pipeline';

/**
 * The whole pipeline (ERP simulator, poll, Kafka, consumer, worker as separate
 * processes) writing through a target mapping, then the oracle reading every
 * order back through its read_order.sql and comparing it with the ERP: every
 * field, the lines in order, invoices and credit notes, beside the ledger checks.
 * Reconciliation, which compares canonical hashes, must then agree: no drift.
 */
export function describeTargetPipeline(
  name: string,
  mapping: string,
  tag: string,
  orders = 30,
): void {
  let p: TestPipeline;
  let prefix: string;

  beforeAll(async () => {
    p = await TestPipeline.create(`e2e${tag.toLowerCase()}`, { targetMapping: mapping });
    prefix = `${tag}-${p.runId}`.slice(0, 40);
    for (const role of ['worker', 'consumer'] as const) p.start(role);
    await p.schedule();
  });

  afterAll(async () => {
    await p?.close();
  });

  describe(`the pipeline with the ${name} mapping, real servers, separate processes`, () => {
    it(`brings every order, line, invoice and credit note to the ERP state in the ${name} tables`, async () => {
      const sim = await p.simulate({ orders, prefix, concurrency: 4, creditNoteProbability: 0.5 });
      const report = await p.converge(prefix, 240_000, `the ${name} tables to equal the ERP`);
      expect(report.orders).toBe(orders);
      expect(report.matching).toBe(orders);
      expect(report.duplicates).toBe(0);
      expect(report.orderingViolations).toBe(0);
      expect(report.appliedEvents + report.skippedEvents).toBe(sim.events);
      const stored = await Promise.all(sim.orderIds.map((id) => p.target.readOrder(p.app, id)));
      // Not vacuous: lines and credit notes were really read back.
      expect(stored.every((o) => (o?.lines.length ?? 0) > 0)).toBe(true);
      expect(stored.some((o) => o?.invoices.some((i) => i.kind === 'credit_note'))).toBe(true);
      const sides = {
        erp: new OutboxErpSide(new MysqlSqlClient(p.reader)),
        target: reconcileTargetSide(p.cfg, p.target, p.app),
      };
      const r = await checkNow(sides, {
        scope: { idPrefix: prefix },
        pageSize: 50,
        recheckDelayMs: 0,
      });
      expect(r.checked).toBe(orders);
      expect(r.drift.map((d) => [d.orderId, d.kinds, d.fields])).toEqual([]);
    }, 300_000);
  });
}
