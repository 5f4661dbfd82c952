import { createPool } from '../../src/db/pool';
import { ErpnextWriter } from '../../src/erp/fixtures/erpnext-writer';
import { MysqlSqlClient } from '../../src/erp/sql/mysql-client';
import { REPO } from '../support/query-source';
import { describeQuerySource } from '../support/query-scenarios';

// The query source over the ERPNext fixture on MariaDB, read with the
// read-only ERP account, through the shipped mapping (mappings/erpnext).
describeQuerySource('query source on the ERPNext fixture (MariaDB)', 'erpnext-query', {
  open: (cfg) =>
    Promise.resolve({
      writer: new ErpnextWriter(createPool(cfg.ORDERSYNC_ERP_WRITER_URL!, { connectionLimit: 3 })),
      reader: MysqlSqlClient.fromUrl(cfg.ORDERSYNC_ERP_URL),
    }),
  mapping: `${REPO}/mappings/erpnext`,
  advancedStatus: 'shipped',
  invoiceChangesOrder: true,
});
