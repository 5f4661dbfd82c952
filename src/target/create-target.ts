import path from 'node:path';
import type { Config } from '../config';
import { createBuiltinTarget } from './builtin';
import type { Target } from './port';
import { loadMapping } from './sql/mapping';
import { createSqlTarget } from './sql/sql-target';

/** The target the configuration names; a bad mapping throws TargetMappingError naming its file. */
export function createTarget(
  cfg: Pick<Config, 'ORDERSYNC_TARGET' | 'ORDERSYNC_TARGET_MAPPING'>,
): Target {
  if (cfg.ORDERSYNC_TARGET === 'sql')
    return createSqlTarget(loadMapping(path.resolve(cfg.ORDERSYNC_TARGET_MAPPING!)));
  return createBuiltinTarget();
}
