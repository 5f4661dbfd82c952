import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgSqlClient } from '../../src/erp/sql/pg-client';
import { OutboxErpSide } from '../../src/reconcile/adapters/outbox-erp';
import { odooTestUrls } from '../support/query-source';

// Reconciliation's ERP side over the outbox on PostgreSQL (docs/erp-outbox.md's
// DDL), read with the read-only account: the newest snapshot plus every
// invoice, ids by change marker and in id order, a prefix with a LIKE wildcard in it.
const urls = odooTestUrls();
let owner: pg.Pool;
let reader: PgSqlClient;

const DDL = `CREATE TABLE IF NOT EXISTS order_events (
  seq bigserial PRIMARY KEY, event_id varchar(64) NOT NULL UNIQUE, order_id varchar(64) NOT NULL,
  channel varchar(16) NOT NULL, type varchar(32) NOT NULL, version integer NOT NULL CHECK (version > 0),
  occurred_at timestamp(3) NOT NULL, payload jsonb NOT NULL, UNIQUE (order_id, version))`;

async function event(orderId: string, type: string, version: number, at: string, payload: object) {
  await owner.query(
    `INSERT INTO order_events (event_id, order_id, channel, type, version, occurred_at, payload)
     VALUES ($1, $2, 'online', $3, $4, $5, $6)`,
    [`${orderId}-v${version}`, orderId, type, version, at, JSON.stringify(payload)],
  );
}

beforeAll(async () => {
  owner = new pg.Pool({ connectionString: urls.writer, max: 2 });
  await owner.query(DDL);
  reader = PgSqlClient.fromUrl(urls.reader);
});

afterAll(async () => {
  await reader?.close();
  await owner?.end();
});

describe('reconciliation reads the outbox on PostgreSQL', () => {
  it('as the newest snapshot and every invoice, by change marker and by id', async () => {
    const run = `rcpg_${Date.now()}`;
    const old = '2020-01-01 00:00:00.000';
    const now = new Date().toISOString().replace('T', ' ').replace('Z', '');
    await event(`${run}-A`, 'order_creation', 1, old, { status: 'pending' });
    await event(`${run}-A`, 'order_updation', 2, old, { status: 'confirmed' });
    await event(`${run}-A`, 'invoice_creation', 3, now, { invoiceId: 'I-1' });
    await event(`${run}-B`, 'order_creation', 1, old, { status: 'pending' });
    // Matches `${run}-%` only if the underscore in the prefix were a wildcard.
    await event(`${run.replace('_', 'x')}-C`, 'order_creation', 1, now, { status: 'pending' });
    const side = new OutboxErpSide(reader);
    const scope = { idPrefix: `${run}-` };

    const orders = await side.readOrders([`${run}-A`, `${run}-B`, `${run}-Z`]);
    expect([...orders.keys()].sort()).toEqual([`${run}-A`, `${run}-B`]);
    expect(orders.get(`${run}-A`)).toMatchObject({
      snapshotVersion: 2,
      highestVersion: 3,
      snapshot: { status: 'confirmed' },
      invoices: [{ invoiceId: 'I-1' }],
    });

    const recent = await side.changedSince(new Date(Date.now() - 3_600_000), null, 10, scope);
    expect(recent).toEqual({ ids: [`${run}-A`], next: null });

    expect(await side.orderIdsAfter(null, 1, scope)).toEqual([`${run}-A`]);
    expect(await side.orderIdsAfter(`${run}-A`, 10, scope)).toEqual([`${run}-B`]);
  });
});
