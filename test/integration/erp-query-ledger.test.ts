import { createPool } from '../../src/db/pool';
import { MysqlSqlClient } from '../../src/erp/sql/mysql-client';
import { LedgerErpWriter } from '../fixtures/ledger-erp/writer';
import { REPO } from '../support/query-source';
import { describeQuerySource } from '../support/query-scenarios';

// A second made-up schema, shaped unlike the shipped ones: composite order
// keys, lines with their own change stamp (a line edit counts as a change of
// its order), a total summed from the lines, integer channel and status codes,
// and invoice amounts summed from an invoice lines table.
describeQuerySource(
  'query source on a made-up ERP with composite keys and line stamps',
  'ledger-query',
  {
    open: (cfg) =>
      Promise.resolve({
        writer: new LedgerErpWriter(
          createPool(cfg.ORDERSYNC_ERP_WRITER_URL!, { connectionLimit: 3 }),
        ),
        reader: MysqlSqlClient.fromUrl(cfg.ORDERSYNC_ERP_URL),
      }),
    mapping: `${REPO}/test/fixtures/ledger-erp/mapping`,
    advancedStatus: 'shipped',
    erpId: (writer, id) => (writer as unknown as LedgerErpWriter).erpId(id),
  },
);
