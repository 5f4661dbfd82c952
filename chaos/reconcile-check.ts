/**
 * The reconcile check every chaos scenario ends with: the same comparison and
 * re-check as `ordersync reconcile`, over the scenario's orders, joined to the
 * oracle's verdict. A scenario that converged must show zero drift of every
 * kind: a drift here is either a real loss the oracle missed or a false
 * positive of reconciliation, and both fail the scenario.
 */
import { MysqlSqlClient } from '../src/erp/sql/mysql-client';
import { OutboxErpSide } from '../src/reconcile/adapters/outbox-erp';
import { reconcileTargetSide } from '../src/reconcile/adapters/target-side';
import { checkNow } from '../src/reconcile/check-now';
import { DRIFT_KINDS } from '../src/reconcile/kinds';
import type { DriftKind } from '../src/reconcile/kinds';
import type { ReconcileErpSide } from '../src/reconcile/ports';
import type { ChaosPipeline } from './harness';

/** Long enough for an order still in flight at the scenario's end to land. */
const RECHECK_DELAY_MS = 5000;

export async function reconcileCheck(
  p: ChaosPipeline,
  /** Orders the scenario sent straight to Kafka, bypassing the ERP: their orphan rows are expected. */
  notInErp: ReadonlySet<string> = new Set(),
  /**
   * A scenario that reads another ERP than the simulator's change log (the
   * query source over a fixture) passes its side and its orders' id prefix.
   */
  over: { erp?: ReconcileErpSide; idPrefix?: string } = {},
): Promise<{ counts: Record<DriftKind, number>; checked: number; pass: boolean; note: string }> {
  // The target as the scenario's processes write it: the built-in tables or the mapping.
  const sides = {
    erp: over.erp ?? new OutboxErpSide(new MysqlSqlClient(p.reader)),
    target: reconcileTargetSide(p.cfg, p.target, p.app),
  };
  const report = await checkNow(sides, {
    scope: { idPrefix: over.idPrefix ?? p.prefix },
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
  // A check over no order proves nothing: every scenario writes orders.
  if (report.checked === 0)
    return { counts, checked: 0, pass: false, note: 'RECONCILE CHECKED NO ORDER' };
  const note =
    drift.length === 0
      ? `reconcile: ${report.checked} orders checked, zero drift (${report.cleared} cleared on re-check)`
      : `RECONCILE DRIFT: ${kinds.join(', ')} (first: ${drift
          .slice(0, 5)
          .map((d) => d.orderId)
          .join(', ')})`;
  return { counts, checked: report.checked, pass: drift.length === 0, note };
}
