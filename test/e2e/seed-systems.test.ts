import type { RowDataPacket } from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { oracleCounts } from '../../chaos/harness';
import { killed, seedTraffic, withSeedRun } from '../../chaos/seed-systems';
import type { SeedRun } from '../../chaos/seed-systems';

// The seed article's designs (bench/systems/seed) under two of the chaos
// faults, judged by the shared oracle (src/verify.ts). The oracle's counts are
// checked against counts taken here straight from the raw rows: the ERP's
// change log and the system's append-only apply log. And each fault must show
// up in them, so an oracle blind to it would fail.

async function all(r: SeedRun, pool: 'reader' | 'app', sql: string): Promise<RowDataPacket[]> {
  const [rows] = await r.p[pool].query<RowDataPacket[]>(sql, [`${r.p.prefix}%`]);
  return rows;
}

/** The five counts, from the raw rows, without the oracle. */
async function fromRows(r: SeedRun) {
  const t = r.tables;
  const erpEvents = await all(
    r,
    'reader',
    'SELECT event_id FROM order_events WHERE order_id LIKE ?',
  );
  const erpOrders = await all(
    r,
    'reader',
    'SELECT order_id, channel, status, total, version FROM orders WHERE order_id LIKE ?',
  );
  const erpInvoices = await all(
    r,
    'reader',
    'SELECT invoice_id FROM invoices WHERE order_id LIKE ?',
  );
  const log = await all(
    r,
    'app',
    `SELECT event_id, order_id, type, erp_version FROM ${t.ledger} WHERE order_id LIKE ? ORDER BY seq`,
  );
  const target = await all(
    r,
    'app',
    `SELECT order_id, channel, status, total, erp_version FROM ${t.orders} WHERE order_id LIKE ?`,
  );
  const invoices = await all(
    r,
    'app',
    `SELECT invoice_id FROM ${t.invoices} WHERE order_id LIKE ?`,
  );

  const times = new Map<string, number>();
  for (const l of log) times.set(String(l.event_id), (times.get(String(l.event_id)) ?? 0) + 1);
  // An older snapshot written after a newer one of the same order.
  let violations = 0;
  const newest = new Map<string, number>();
  for (const l of log) {
    if (l.type === 'invoice_creation') continue;
    const v = Number(l.erp_version);
    if (v < (newest.get(String(l.order_id)) ?? 0)) violations++;
    else newest.set(String(l.order_id), v);
  }
  // An order's final row differs from the ERP's in what its events change (lines change the total).
  const row = (o: RowDataPacket, v: unknown) =>
    [o.channel, o.status, Number(o.total).toFixed(2), Number(v)].join('|');
  const finalRow = new Map(target.map((o) => [String(o.order_id), row(o, o.erp_version)]));
  const have = new Set(invoices.map((i) => String(i.invoice_id)));
  return {
    violations,
    staleAtEnd: erpOrders.filter((o) => finalRow.get(String(o.order_id)) !== row(o, o.version))
      .length,
    lost: erpEvents.filter((e) => !times.has(String(e.event_id))).length,
    appliedTwice: [...times.values()].filter((n) => n > 1).length,
    missingInvoices: erpInvoices.filter((i) => !have.has(String(i.invoice_id))).length,
  };
}

describe('the seed article’s designs under faults, judged by the shared oracle', () => {
  it('old architecture, killed after a write: the oracle counts the re-applied batch and its older snapshots', async () => {
    await withSeedRun('old', 'test-kill-after-write', async (r) => {
      await r.startDefault({ first: 'consumer-after-signal:15' });
      const run = await seedTraffic(r, () => killed(r, 'the kill after the 15th write'), {
        orders: 30,
        rate: 40,
      });
      const truth = await fromRows(r);
      expect(oracleCounts(run.report)).toEqual(truth);
      // The batch in flight is taken again from the unsaved mark: its writes happen twice,
      // and an order's earlier event re-applied after its later one is a violation.
      expect(truth.appliedTwice).toBeGreaterThan(0);
      expect(truth.violations).toBeGreaterThan(0);
    });
  }, 240_000);

  it('seed, late ERP commits: the oracle counts the events the high-water mark stepped over', async () => {
    await withSeedRun('seed', 'test-late-commits', async (r) => {
      await r.startDefault();
      const run = await seedTraffic(r, async () => undefined, {
        orders: 30,
        concurrency: 8,
        lateCommitProbability: 0.5,
        lateCommitMs: 1500,
      });
      const truth = await fromRows(r);
      expect(oracleCounts(run.report)).toEqual(truth);
      // A transaction that commits after a later sequence was polled is below the mark for ever.
      expect(truth.lost).toBeGreaterThan(0);
    });
  }, 240_000);
});
