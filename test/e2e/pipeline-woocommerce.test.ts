import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestPipeline } from '../support/pipeline';
import { WOOCOMMERCE_MAPPING } from '../support/target-fixture';

// Issue 25: a second, differently shaped target mapping through the whole
// pipeline. WooCommerce's HPOS tables: the order's id from a placeholder post,
// line amounts as key/value rows keyed by each item's generated id, billing and
// shipping address rows, statuses mapped to wc-*, invoices as order meta and
// credit notes as refund child orders. The oracle reads it all back through
// read_order.sql and compares it with the ERP.
let p: TestPipeline;
let prefix: string;

beforeAll(async () => {
  p = await TestPipeline.create('e2ewoo', { targetMapping: WOOCOMMERCE_MAPPING });
  prefix = `WC-${p.runId}`.slice(0, 40);
  for (const role of ['worker', 'consumer'] as const) p.start(role);
  await p.schedule();
});

afterAll(async () => {
  await p?.close();
});

describe('the pipeline with a WooCommerce mapping, real servers, separate processes', () => {
  it('brings every order, line, invoice and credit note to the ERP state in the HPOS tables', async () => {
    const sim = await p.simulate({
      orders: 30,
      prefix,
      concurrency: 4,
      creditNoteProbability: 0.5,
    });
    const report = await p.converge(prefix, 240_000, 'the WooCommerce tables to equal the ERP');
    expect(report.orders).toBe(30);
    expect(report.matching).toBe(30);
    expect(report.duplicates).toBe(0);
    expect(report.orderingViolations).toBe(0);
    expect(report.appliedEvents + report.skippedEvents).toBe(sim.events);
    const stored = await Promise.all(sim.orderIds.map((id) => p.target.readOrder(p.app, id)));
    // Not vacuous: lines and refunds were really read back.
    expect(stored.every((o) => (o?.lines.length ?? 0) > 0)).toBe(true);
    expect(stored.some((o) => o?.invoices.some((i) => i.kind === 'credit_note'))).toBe(true);
  }, 300_000);
});
