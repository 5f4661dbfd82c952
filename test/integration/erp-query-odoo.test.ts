import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { fixtureOrders } from '../../src/erp/fixtures/fixture-order';
import { OdooWriter } from '../../src/erp/fixtures/odoo-writer';
import { PgSqlClient } from '../../src/erp/sql/pg-client';
import { REPO, odooTestUrls } from '../support/query-source';
import { describeQuerySource } from '../support/query-scenarios';

// The query source over the Odoo fixture on PostgreSQL, read with the
// read-only ERP account, through the shipped mapping (mappings/odoo). Without
// the PostgreSQL accounts this file fails, it does not skip.
const urls = odooTestUrls();

describeQuerySource('query source on the Odoo fixture (PostgreSQL)', 'odoo-query', {
  open: () =>
    Promise.resolve({
      writer: new OdooWriter(new pg.Pool({ connectionString: urls.writer, max: 3 })),
      reader: PgSqlClient.fromUrl(urls.reader),
    }),
  mapping: `${REPO}/mappings/odoo`,
  advancedStatus: 'delivered',
});

describe('the Odoo reader account', () => {
  it('cannot write', async () => {
    const reader = PgSqlClient.fromUrl(urls.reader);
    try {
      await expect(reader.query("UPDATE sale_order SET state = 'cancel'")).rejects.toThrow(
        /read-only transaction|permission denied/,
      );
    } finally {
      await reader.close();
    }
  });
});

describe('the Odoo fixture writer', () => {
  it('writes its markers in UTC, as Odoo does, whatever the session time zone', async () => {
    // Nine hours east of UTC: a marker in the session's zone would lie in the future.
    const tokyo = new pg.Pool({
      connectionString: urls.writer,
      max: 1,
      options: '-c TimeZone=Asia/Tokyo',
    });
    const writer = new OdooWriter(tokyo);
    try {
      const order = fixtureOrders(1, `TZ-${Date.now()}`)[0]!;
      await writer.createOrder(order);
      await writer.invoice(order, `INV-${order.id}`);
      await writer.cancel(order.id);
      const { rows } = await tokyo.query<{ age: string }>(
        `SELECT extract(epoch FROM (now() AT TIME ZONE 'UTC') - w) AS age
           FROM (SELECT so.write_date AS w FROM sale_order so WHERE so.name = $1
                 UNION ALL SELECT sol.write_date FROM sale_order_line sol
                   JOIN sale_order so ON so.id = sol.order_id WHERE so.name = $1
                 UNION ALL SELECT am.write_date FROM account_move am WHERE am.invoice_origin = $1) m`,
        [order.id],
      );
      expect(rows.length).toBeGreaterThan(2);
      for (const r of rows) expect(Math.abs(Number(r.age))).toBeLessThan(60);
    } finally {
      await writer.close();
    }
  });
});
