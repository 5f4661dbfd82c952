import type { Pool } from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OdooWriter } from '../../src/erp/fixtures/odoo-writer';
import { PgSqlClient } from '../../src/erp/sql/pg-client';
import { testEnv } from '../support/env';
import { REPO, odooTestUrls, openAppPool } from '../support/query-source';
import { queryScenarios } from '../support/query-scenarios';

// The query source over the Odoo fixture on PostgreSQL, read with the
// read-only ERP account, through the shipped mapping (mappings/odoo).
const { cfg, runId } = testEnv('odoo-query');
const urls = odooTestUrls();
let app: Pool;
let writer: OdooWriter;
let reader: PgSqlClient;

beforeAll(async () => {
  app = await openAppPool(cfg);
  writer = new OdooWriter(new pg.Pool({ connectionString: urls.writer, max: 3 }));
  await writer.init();
  await writer.reset();
  reader = PgSqlClient.fromUrl(urls.reader);
});

afterAll(async () => {
  await reader?.close();
  await writer?.close();
  await app?.end();
});

describe('query source on the Odoo fixture (PostgreSQL)', () => {
  queryScenarios({
    writer: () => writer,
    reader: () => reader,
    app: () => app,
    mapping: `${REPO}/mappings/odoo`,
    runId,
    advancedStatus: 'delivered',
  });

  it('reads with an account that cannot write', async () => {
    await expect(reader.query("UPDATE sale_order SET state = 'cancel'")).rejects.toThrow(
      /read-only transaction|permission denied/,
    );
  });
});
