import type { ErpConnection } from '../../erp/open-source';
import type { ReconcileErpSide } from '../ports';
import { OutboxErpSide } from './outbox-erp';
import { QueryErpSide } from './query-erp';

/**
 * The ERP side reconciliation reads for the configured source: the outbox
 * (MySQL, MariaDB or PostgreSQL) or the query source's mapping.
 */
export function reconcileErpSide(
  erp: Pick<ErpConnection, 'kind' | 'client' | 'query'>,
): ReconcileErpSide {
  if (erp.kind === 'query') {
    if (!erp.query) throw new Error('the query source was opened without its mapping queries');
    return new QueryErpSide(erp.query.queries, erp.query.state);
  }
  return new OutboxErpSide(erp.client);
}
