import { ApplicationFailure } from '@temporalio/common';
import type { Pool } from 'mysql2/promise';
import type { TargetKind } from '../../target/port';
import type { ReconcileTargetSide } from '../ports';
import { BuiltinTargetSide } from './builtin-target';

/** The failure type a reconciliation throws for a target it cannot read yet. */
export const RECONCILE_UNSUPPORTED_TARGET = 'ReconcileUnsupportedTarget';

/**
 * The target side reconciliation reads for the configured target. Only the
 * built-in tables have an adapter; with a SQL mapping every read fails, not
 * retried, with the reason. Reading the built-in tables there would find them
 * empty and report, then replay, every order as missing.
 */
export function reconcileTargetSide(kind: TargetKind, pool: Pool): ReconcileTargetSide {
  if (kind === 'builtin') return new BuiltinTargetSide(pool);
  const reason = `reconciliation reads the built-in target only; this worker writes ORDERSYNC_TARGET=${kind}`;
  const refuse = (): Promise<never> =>
    Promise.reject(
      ApplicationFailure.create({
        type: RECONCILE_UNSUPPORTED_TARGET,
        nonRetryable: true,
        message: reason,
      }),
    );
  return { readOrders: refuse, orderIdsAfter: refuse };
}
