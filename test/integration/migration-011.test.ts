import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitStatements } from '../../src/db/migrate';
import { createPool } from '../../src/db/pool';
import { testEnv } from '../support/env';

// Migration 011 over rows written before it: every stored amount is kept exactly
// and the new columns start NULL (kind: 'invoice'). The migrations run on copies of
// the tables under a run prefix, in the test database, so nothing else is touched.
const { cfg, runId } = testEnv('m011');
const prefix = `m${runId.replace(/[^a-z0-9]/gi, '').slice(-8)}_`;
const TABLES = ['orders', 'invoices', 'applied_events', 'order_locks'];
let pool: Pool;

function statements(file: string): string[] {
  const sql = readFileSync(path.join(__dirname, '../../src/db/migrations', file), 'utf8');
  return splitStatements(sql).map((s) =>
    TABLES.reduce((acc, t) => acc.replace(new RegExp(`\\b${t}\\b`, 'g'), `${prefix}${t}`), s),
  );
}

async function run(file: string): Promise<void> {
  for (const stmt of statements(file)) await pool.query(stmt);
}

beforeAll(async () => {
  pool = createPool(cfg.ORDERSYNC_MYSQL_MIGRATE_URL!, { connectionLimit: 1 });
  await run('001_initial.sql');
  await run('002_binary_ids_snapshot_guard.sql');
});
afterAll(async () => {
  for (const t of TABLES) await pool?.query(`DROP TABLE IF EXISTS ${prefix}${t}`);
  await pool?.end();
});

describe('migration 011_contract_v2.sql', () => {
  it('widens amounts to DECIMAL(20,4) keeping every value, and adds NULL columns', async () => {
    await pool.query(
      `INSERT INTO ${prefix}orders (order_id, channel, status, customer, shipping_address, \`lines\`,
         currency, total, erp_version, snapshot_version, last_event_type, created_at, updated_at)
       VALUES ?`,
      [
        [
          ['O-MAX', '999999999999.99'],
          ['O-SMALL', '0.01'],
          ['O-TYPICAL', '598.00'],
        ].map(([id, total]) => [
          id,
          'online',
          'packed',
          '{}',
          '{}',
          '[]',
          'INR',
          total,
          1,
          1,
          'order_creation',
          new Date(),
          new Date(),
        ]),
      ],
    );
    await pool.query(
      `INSERT INTO ${prefix}invoices (invoice_id, order_id, number, amount, tax, currency, issued_at)
       VALUES ('I-1', 'O-MAX', 'N-1', 999999999999.99, 0.01, 'INR', NOW())`,
    );
    await run('011_contract_v2.sql');

    const [orders] = await pool.query<RowDataPacket[]>(
      `SELECT order_id, total, tax_total, shipping_total, discount_total, rounding_adjustment,
              erp_status, billing_address, attributes
         FROM ${prefix}orders ORDER BY order_id`,
    );
    expect(orders.map((o) => [String(o.order_id), String(o.total)])).toEqual([
      ['O-MAX', '999999999999.9900'],
      ['O-SMALL', '0.0100'],
      ['O-TYPICAL', '598.0000'],
    ]);
    for (const o of orders)
      for (const col of [
        'tax_total',
        'shipping_total',
        'discount_total',
        'rounding_adjustment',
        'erp_status',
        'billing_address',
        'attributes',
      ])
        expect(o[col], `${String(o.order_id)}.${col}`).toBeNull();
    const [invoices] = await pool.query<RowDataPacket[]>(
      `SELECT amount, tax, kind, against_invoice_id, \`lines\` FROM ${prefix}invoices`,
    );
    expect(invoices[0]).toMatchObject({
      amount: '999999999999.9900',
      tax: '0.0100',
      kind: 'invoice',
      against_invoice_id: null,
      lines: null,
    });
    // A status of 17 characters and a KWD amount now fit.
    await pool.query(
      `UPDATE ${prefix}orders SET status = 'partially_shipped', total = 120.125 WHERE order_id = 'O-SMALL'`,
    );
    const [[row]] = await pool.query<RowDataPacket[][]>(
      `SELECT status, total FROM ${prefix}orders WHERE order_id = 'O-SMALL'`,
    );
    expect(row).toMatchObject({ status: 'partially_shipped', total: '120.1250' });
  });
});
