import { ApplicationFailure } from '@temporalio/common';
import type { ErpConnection } from '../../erp/open-source';
import { MysqlSqlClient } from '../../erp/sql/mysql-client';
import type { ReconcileErpSide } from '../ports';
import { OutboxErpSide } from './outbox-erp';

/** The failure type a reconciliation throws for an ERP source it cannot read yet. */
export const RECONCILE_UNSUPPORTED_ERP = 'ReconcileUnsupportedErp';

/**
 * The ERP side reconciliation reads for the configured source. Only the outbox
 * on MySQL or MariaDB has an adapter; for any other source every read fails,
 * not retried, with the reason, so a reconcile run shows it instead of
 * reporting every order as drifted.
 */
export function reconcileErpSide(erp: Pick<ErpConnection, 'kind' | 'client'>): ReconcileErpSide {
  if (erp.kind === 'outbox' && erp.client instanceof MysqlSqlClient)
    return new OutboxErpSide(erp.client.pool);
  const reason = `reconciliation reads the outbox on MySQL or MariaDB only; this ERP is ORDERSYNC_ERP_SOURCE=${erp.kind} on ${erp.client.dialect}`;
  const refuse = (): Promise<never> =>
    Promise.reject(
      ApplicationFailure.create({
        type: RECONCILE_UNSUPPORTED_ERP,
        nonRetryable: true,
        message: reason,
      }),
    );
  return { readOrders: refuse, changedSince: refuse, orderIdsAfter: refuse };
}
