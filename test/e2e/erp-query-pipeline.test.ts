import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ErpnextWriter } from '../../src/erp/fixtures/erpnext-writer';
import type { FixtureWriter } from '../../src/erp/fixtures/fixture-order';
import { OdooWriter } from '../../src/erp/fixtures/odoo-writer';
import { MysqlSqlClient } from '../../src/erp/sql/mysql-client';
import { PgSqlClient } from '../../src/erp/sql/pg-client';
import { DolibarrErpWriter } from '../fixtures/dolibarr-erp/writer';
import { LedgerErpWriter } from '../fixtures/ledger-erp/writer';
import { TestPipeline } from '../support/pipeline';
import { runQueryPipeline } from '../support/query-pipeline';
import { REPO, odooTestUrls } from '../support/query-source';

// ERP fixture → query source → Schedule → poll → Kafka → consumer → workflow →
// MySQL, each process its own, ending with the target equal to the ERP.
let p: TestPipeline;

beforeAll(async () => {
  p = await TestPipeline.create('erp-query');
});

afterAll(async () => {
  await p?.close();
});

describe('the pipeline from a real ERP schema through the query source', () => {
  /** The pipeline from a fixture on the MariaDB ERP database, read through `mapping`. */
  async function onMariadb(
    writer: FixtureWriter,
    mapping: string,
    prefix: string,
    erpId?: (fixtureId: string) => string,
  ) {
    await writer.init();
    const reader = MysqlSqlClient.fromUrl(p.cfg.ORDERSYNC_ERP_URL);
    try {
      await runQueryPipeline(p, {
        writer,
        reader,
        erpUrl: p.cfg.ORDERSYNC_ERP_URL,
        mapping: path.join(REPO, mapping),
        prefix,
        ...(erpId ? { erpId } : {}),
      });
    } finally {
      await reader.close();
    }
  }

  it('ERPNext on MariaDB: orders, lines, totals with tax, invoices and credit notes', async () => {
    await onMariadb(new ErpnextWriter(p.writer), 'mappings/erpnext', `SO-E2E-${p.runId}`);
  }, 240_000);

  it('a made-up ERP with composite keys and line stamps, on MariaDB', async () => {
    const writer = new LedgerErpWriter(p.writer);
    await onMariadb(writer, 'test/fixtures/ledger-erp/mapping', `L-E2E-${p.runId}`, (id) =>
      writer.erpId(id),
    );
  }, 240_000);

  it('Dolibarr on MariaDB: integer keys with refs, TIMESTAMP markers, link-table invoices', async () => {
    const writer = new DolibarrErpWriter(p.writer);
    // Invoice refs are `INV-<order id>`, and Dolibarr refs have at most 30 characters.
    await onMariadb(writer, 'test/fixtures/dolibarr-erp/mapping', `D${p.runId}`, (id) =>
      writer.erpId(id),
    );
  }, 240_000);

  it('Odoo on PostgreSQL: orders, lines, totals with tax, invoices and credit notes', async () => {
    const urls = odooTestUrls();
    const writer = new OdooWriter(new pg.Pool({ connectionString: urls.writer, max: 3 }));
    await writer.init();
    const reader = PgSqlClient.fromUrl(urls.reader);
    try {
      await runQueryPipeline(p, {
        writer,
        reader,
        erpUrl: urls.reader,
        mapping: path.join(REPO, 'mappings', 'odoo'),
        prefix: `S-E2E-${p.runId}`,
      });
    } finally {
      await reader.close();
      await writer.close();
    }
  }, 240_000);
});
