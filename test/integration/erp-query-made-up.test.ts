import { createPool } from '../../src/db/pool';
import { MysqlSqlClient } from '../../src/erp/sql/mysql-client';
import { TinyErpWriter } from '../fixtures/tiny-erp/writer';
import { REPO } from '../support/query-source';
import { describeQuerySource } from '../support/query-scenarios';

// The query source on a made-up schema (German names, numeric keys, local-time
// stamps, renamed parameters): the engine knows no ERP, only the mapping does.
describeQuerySource('query source on a made-up ERP schema', 'made-up-query', {
  open: (cfg) =>
    Promise.resolve({
      writer: new TinyErpWriter(createPool(cfg.ORDERSYNC_ERP_WRITER_URL!, { connectionLimit: 3 })),
      reader: MysqlSqlClient.fromUrl(cfg.ORDERSYNC_ERP_URL),
    }),
  mapping: `${REPO}/test/fixtures/tiny-erp/mapping`,
  advancedStatus: 'delivered',
  erpId: (writer, id) => (writer as unknown as TinyErpWriter).erpId(id),
});
