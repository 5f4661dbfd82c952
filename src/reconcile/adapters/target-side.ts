import path from 'node:path';
import type { Pool } from 'mysql2/promise';
import type { Config } from '../../config';
import type { Target } from '../../target/port';
import { loadMapping } from '../../target/sql/mapping';
import type { ReconcileTargetSide } from '../ports';
import { BuiltinTargetSide } from './builtin-target';
import { SqlTargetSide } from './sql-target';

/**
 * The target side reconciliation reads for the configured target: the
 * built-in tables, or the SQL mapping's `read_order.sql`.
 */
export function reconcileTargetSide(
  cfg: Pick<Config, 'ORDERSYNC_TARGET' | 'ORDERSYNC_TARGET_MAPPING'>,
  target: Target,
  pool: Pool,
): ReconcileTargetSide {
  if (target.kind === 'builtin') return new BuiltinTargetSide(pool);
  return new SqlTargetSide(pool, target, loadMapping(path.resolve(cfg.ORDERSYNC_TARGET_MAPPING!)));
}
