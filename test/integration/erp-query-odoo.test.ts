import pg from 'pg';
import { describe, expect, it } from 'vitest';
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
