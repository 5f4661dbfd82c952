import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { createPool } from '../../src/db/pool';
import { MysqlSqlClient } from '../../src/erp/sql/mysql-client';
import type { SqlClient } from '../../src/erp/sql/client';
import { OutboxErpSide } from '../../src/reconcile/adapters/outbox-erp';
import { RECONCILE_UNSUPPORTED_ERP, reconcileErpSide } from '../../src/reconcile/adapters/erp-side';

const pgClient: SqlClient = {
  dialect: 'postgres',
  query: () => Promise.reject(new Error('must not be queried')),
  close: () => Promise.resolve(),
};

describe('the ERP side reconciliation reads', () => {
  it('is the outbox adapter over the pool for the outbox on MySQL', async () => {
    // mysql2 connects on the first query, so no server is needed here.
    const pool = createPool('mysql://u:p@127.0.0.1:1/erp', { connectionLimit: 1 });
    try {
      const side = reconcileErpSide({ kind: 'outbox', client: new MysqlSqlClient(pool) });
      expect(side).toBeInstanceOf(OutboxErpSide);
    } finally {
      await pool.end();
    }
  });

  it.each(['outbox', 'query'] as const)(
    'refuses every read, not retried, naming the source, for %s on PostgreSQL',
    async (kind) => {
      const side = reconcileErpSide({ kind, client: pgClient });
      const err = await side.readOrders(['A-1']).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect(err).toMatchObject({ type: RECONCILE_UNSUPPORTED_ERP, nonRetryable: true });
      expect((err as Error).message).toContain(`ORDERSYNC_ERP_SOURCE=${kind}`);
      await expect(side.orderIdsAfter(null, 10, {})).rejects.toBeInstanceOf(ApplicationFailure);
    },
  );
});
