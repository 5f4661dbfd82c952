import type { Pool } from 'mysql2/promise';
import { afterAll, beforeAll, describe } from 'vitest';
import { createPool } from '../../src/db/pool';
import { ErpnextWriter } from '../../src/erp/fixtures/erpnext-writer';
import { MysqlSqlClient } from '../../src/erp/sql/mysql-client';
import { testEnv } from '../support/env';
import { REPO, openAppPool } from '../support/query-source';
import { queryScenarios } from '../support/query-scenarios';

// The query source over the ERPNext fixture on MariaDB, read with the
// read-only ERP account, through the shipped mapping (mappings/erpnext).
const { cfg, runId } = testEnv('erpnext-query');
let app: Pool;
let writer: ErpnextWriter;
let reader: MysqlSqlClient;

beforeAll(async () => {
  app = await openAppPool(cfg);
  writer = new ErpnextWriter(createPool(cfg.ORDERSYNC_ERP_WRITER_URL!, { connectionLimit: 3 }));
  await writer.init();
  await writer.reset();
  reader = MysqlSqlClient.fromUrl(cfg.ORDERSYNC_ERP_URL);
});

afterAll(async () => {
  await reader?.close();
  await writer?.close();
  await app?.end();
});

describe('query source on the ERPNext fixture (MariaDB)', () => {
  queryScenarios({
    writer: () => writer,
    reader: () => reader,
    app: () => app,
    mapping: `${REPO}/mappings/erpnext`,
    runId,
    advancedStatus: 'shipped',
  });
});
