import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPLY_POOL_OPTIONS, createApplyActivities } from '../../activities/apply-order-events';
import type { OrderEvent } from '../../src/contracts/events';
import { migrate, splitStatements } from '../../src/db/migrate';
import { createPool } from '../../src/db/pool';
import { checkSchemaVersion } from '../../src/db/schema-version';
import { toSqlDateTime } from '../../src/db/time';
import { snapshotColumns } from '../../src/target/builtin';
import { testEnv } from '../support/env';
import { orderHistory, uniqueOrderId } from '../support/order-events';
import { scratchDatabase } from '../support/scratch-database';

// Issue 25 (bookkeeping apart) and issue 30, defect 5: a database migrated by
// the release before 012, with orders its workers applied, upgrades in the
// documented order (migrate --to 12, new workers, migrate) and the guard holds
// throughout: late events are decided as before, nothing is re-applied or lost.

const { cfg } = testEnv('upgrade');
const MAIN_MIGRATIONS = [
  '001_initial.sql',
  '002_binary_ids_snapshot_guard.sql',
  '010_dlq_replays.sql',
];
let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
let migrator: Pool;
let pool: Pool;

/** What `migrate` of the release before 012 did: the files in order, recorded in schema_migrations. */
async function migrateLikeMain(p: Pool): Promise<void> {
  await p.query(
    'CREATE TABLE schema_migrations (name VARCHAR(128) NOT NULL PRIMARY KEY, applied_at DATETIME(3) NOT NULL)',
  );
  for (const file of MAIN_MIGRATIONS) {
    const text = readFileSync(path.join(__dirname, '../../src/db/migrations', file), 'utf8');
    for (const st of splitStatements(text)) await p.query(st);
    await p.query('INSERT INTO schema_migrations VALUES (?, UTC_TIMESTAMP(3))', [file]);
  }
}

type Snapshot = OrderEvent & { data: { total: string; currency: string } };

/**
 * One apply as a worker of the release before 012 wrote it (tables by their old
 * names): the lock row, the order row with `snapshotVersion` as that worker
 * knew it (0 for a worker older than 002), the ledger rows.
 */
async function applyTheOldWay(
  p: Pool,
  orderId: string,
  snapshot: Snapshot,
  ledger: OrderEvent[],
  snapshotVersion: number,
  erpVersion: number,
): Promise<void> {
  const at = toSqlDateTime(snapshot.occurredAt);
  await p.query(
    'INSERT INTO order_locks (order_id) VALUES (?) ON DUPLICATE KEY UPDATE order_id = order_id',
    [orderId],
  );
  await p.query(
    `INSERT INTO orders (order_id, channel, status, customer, shipping_address, \`lines\`, currency, total,
       erp_version, snapshot_version, last_event_type, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      orderId,
      ...snapshotColumns(snapshot as Parameters<typeof snapshotColumns>[0]),
      erpVersion,
      snapshotVersion,
      ledger.at(-1)!.type,
      at,
      at,
    ],
  );
  for (const e of ledger) {
    if (e.type === 'invoice_creation')
      await p.query(
        `INSERT INTO invoices (invoice_id, order_id, number, amount, tax, currency, issued_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [e.data.invoiceId, orderId, e.data.number, e.data.amount, e.data.tax, e.data.currency, at],
      );
    await p.query(
      `INSERT INTO applied_events (event_id, order_id, type, erp_version, outcome, reason, applied_at)
       VALUES (?, ?, ?, ?, 'applied', NULL, UTC_TIMESTAMP(3))
       ON DUPLICATE KEY UPDATE outcome = VALUES(outcome), reason = VALUES(reason)`,
      [e.eventId, orderId, e.type, e.erpVersion],
    );
  }
}

const ledgerOf = async (orderId: string) => {
  const [rows] = await pool.query<RowDataPacket[]>(
    'SELECT event_id, erp_version, outcome, reason FROM ordersync_applied_events WHERE order_id = ? ORDER BY seq',
    [orderId],
  );
  return rows.map(
    (r) => `${Number(r.erp_version)}:${String(r.outcome)}${r.reason ? `/${String(r.reason)}` : ''}`,
  );
};
const totalOf = async (orderId: string) => {
  const [rows] = await pool.query<RowDataPacket[]>('SELECT total FROM orders WHERE order_id = ?', [
    orderId,
  ]);
  return Number(rows[0]?.total);
};
const later = (e: OrderEvent, suffix: string): OrderEvent => ({
  ...e,
  eventId: `${e.eventId}-${suffix}`,
});

beforeAll(async () => {
  scratch = await scratchDatabase(cfg, 'upgrade');
  migrator = createPool(scratch.migrateUrl, { connectionLimit: 2 });
  pool = createPool(scratch.appUrl, APPLY_POOL_OPTIONS);
});
afterAll(async () => {
  await pool?.end();
  await migrator?.end();
  await scratch?.drop();
});

describe('upgrading a database migrated by the release before 012', () => {
  const a = uniqueOrderId('UA'); // applied by a worker of that release: guard in the row
  const b = uniqueOrderId('UB'); // applied by a worker older than 002: snapshot_version 0
  const c = uniqueOrderId('UC'); // applied by an old worker during the rolling upgrade
  const ha = orderHistory(a, 2); // v1..v3 snapshots, v4 invoice
  const hb = orderHistory(b, 2);
  const hc = orderHistory(c, 1);
  const apply = () => createApplyActivities({ pool }).applyOrderEvents;

  it('keeps the guard through migrate --to 12, old and new workers side by side, and migrate', async () => {
    await migrateLikeMain(migrator);
    await applyTheOldWay(migrator, a, ha[2] as Snapshot, ha, 3, 4);
    await applyTheOldWay(migrator, b, hb[2] as Snapshot, hb.slice(0, 3), 0, 3);
    expect((await checkSchemaVersion(pool)).ok).toBe(false);

    // Step 1: expand, while the old workers still run.
    const expand = await migrate(migrator, () => {}, { upTo: 12 });
    expect(expand.applied).toEqual(['011_contract_v2.sql', '012_ordersync_bookkeeping.sql']);
    expect((await checkSchemaVersion(pool)).ok).toBe(true);
    // An old worker still writes through the old names, onto the same rows.
    await applyTheOldWay(pool, c, hc[0] as Snapshot, hc.slice(0, 1), 1, 1);
    expect(await ledgerOf(c)).toEqual(['1:applied']);

    // Step 2: new workers. B's state row says 0; the ledger says v3 was applied.
    const lateB = await apply()({ orderId: b, events: [later(hb[1]!, 'late')] });
    expect(lateB.outcomes[0]).toMatchObject({ outcome: 'skipped', reason: 'stale' });
    expect(await totalOf(b)).toBe(31.5);
    // C has no state row at all (its old worker wrote it after 012): ledger and row decide.
    const lateC = await apply()({ orderId: c, events: [later(hc[0]!, 'again'), hc[0]!, hc[1]!] });
    expect(lateC.outcomes.map((o) => o.outcome)).toEqual(['skipped', 'skipped', 'applied']);
    expect(lateC.order).toMatchObject({ snapshotVersion: 2, erpVersion: 2 });

    // Step 3: once the old workers are gone.
    const contract = await migrate(migrator);
    // 013 first, then whatever later migrations exist; nothing at or before 012 runs again.
    expect(contract.applied[0]).toBe('013_snapshot_guard_from_ledger.sql');
    expect(contract.applied.filter((name) => name < '013')).toEqual([]);
    const [state] = await pool.query<RowDataPacket[]>(
      'SELECT order_id, snapshot_version FROM ordersync_order_state WHERE order_id IN (?) ORDER BY order_id',
      [[a, b, c]],
    );
    expect(state.map((r) => [r.order_id as string, Number(r.snapshot_version)])).toEqual([
      [a, 3],
      [b, 3],
      [c, 2],
    ]);
    const [views] = await migrator.query<RowDataPacket[]>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name IN ('applied_events', 'order_locks')",
    );
    expect(views).toHaveLength(0);
  });

  it('then decides late and repeated events as before: nothing re-applied, nothing lost', async () => {
    const before = await ledgerOf(a);
    expect(before).toEqual(['1:applied', '2:applied', '3:applied', '4:applied']);
    const again = await apply()({ orderId: a, events: ha });
    expect(again.outcomes.every((o) => o.outcome === 'skipped' && o.reason === 'duplicate')).toBe(
      true,
    );
    const late = await apply()({ orderId: a, events: [later(ha[1]!, 'dlq')] });
    expect(late.outcomes[0]).toMatchObject({ outcome: 'skipped', reason: 'stale' });
    expect(await totalOf(a)).toBe(31.5);
    // The invoice id is still A's: a second invoice event with it is a duplicate, not a second row.
    const invoiceAgain = await apply()({ orderId: a, events: [later(ha[3]!, 'redo')] });
    expect(invoiceAgain.outcomes[0]).toMatchObject({ outcome: 'skipped', reason: 'duplicate' });
    const next = {
      ...ha[2]!,
      eventId: `${ha[2]!.eventId}-v5`,
      erpVersion: 5,
      type: 'order_updation',
    } as OrderEvent;
    const applied = await apply()({ orderId: a, events: [next] });
    expect(applied.outcomes[0]).toMatchObject({ outcome: 'applied' });
    expect(applied.order).toMatchObject({ erpVersion: 5, snapshotVersion: 5, invoiced: true });
    expect(await ledgerOf(a)).toEqual([
      ...before,
      '2:skipped/stale',
      '4:skipped/duplicate',
      '5:applied',
    ]);
    const lateB = await apply()({ orderId: b, events: [later(hb[0]!, 'late')] });
    expect(lateB.outcomes[0]).toMatchObject({ outcome: 'skipped', reason: 'stale' });
    expect(await ledgerOf(b)).toEqual([
      '1:applied',
      '2:applied',
      '3:applied',
      '2:skipped/stale',
      '1:skipped/stale',
    ]);
  });
});
