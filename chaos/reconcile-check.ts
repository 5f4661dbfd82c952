/**
 * The reconcile check every chaos scenario ends with: the same comparison and
 * re-check as `ordersync reconcile`, over the scenario's orders, joined to the
 * oracle's verdict. A scenario that converged must show zero drift of every
 * kind: a drift here is either a real loss the oracle missed or a false
 * positive of reconciliation, and both fail the scenario.
 */
import { MysqlSqlClient } from '../src/erp/sql/mysql-client';
import { BuiltinTargetSide } from '../src/reconcile/adapters/builtin-target';
import { OutboxErpSide } from '../src/reconcile/adapters/outbox-erp';
import { checkNow } from '../src/reconcile/check-now';
import { DRIFT_KINDS } from '../src/reconcile/kinds';
import type { DriftKind } from '../src/reconcile/kinds';
import type { ChaosPipeline } from './harness';

/** Long enough for an order still in flight at the scenario's end to land. */
const RECHECK_DELAY_MS = 5000;

export async function reconcileCheck(
  p: ChaosPipeline,
  /** Orders the scenario sent straight to Kafka, bypassing the ERP: their orphan rows are expected. */
  notInErp: ReadonlySet<string> = new Set(),
): Promise<{ counts: Record<DriftKind, number>; checked: number; note: string }> {
  const sides = {
    erp: new OutboxErpSide(new MysqlSqlClient(p.reader)),
    target: new BuiltinTargetSide(p.app),
  };
  const report = await checkNow(sides, {
    scope: { idPrefix: p.prefix },
    pageSize: 500,
    recheckDelayMs: RECHECK_DELAY_MS,
  });
  const drift = report.drift.filter(
    (d) => !(notInErp.has(d.orderId) && d.kinds.length === 1 && d.kinds[0] === 'orphan'),
  );
  const counts = Object.fromEntries(
    DRIFT_KINDS.map((k) => [k, drift.filter((d) => d.kinds.includes(k)).length]),
  ) as Record<DriftKind, number>;
  const kinds = DRIFT_KINDS.filter((k) => counts[k] > 0).map((k) => `${k} ${counts[k]}`);
  const note =
    drift.length === 0
      ? `reconcile: ${report.checked} orders checked, zero drift (${report.cleared} cleared on re-check)`
      : `RECONCILE DRIFT: ${kinds.join(', ')} (first: ${drift
          .slice(0, 5)
          .map((d) => d.orderId)
          .join(', ')})`;
  return { counts, checked: report.checked, note };
}
