import { z } from 'zod';
import { ConfigError } from './config-error';

/** Where the apply writes an order's business rows (docs/target-mapping.md). */
export const targetEnv = z.object({
  /** `builtin`: ordersync's own orders and invoices tables; `sql`: a mapping directory. */
  ORDERSYNC_TARGET: z.enum(['builtin', 'sql']).default('builtin'),
  /** The mapping directory of the `sql` target (upsert_order.sql, replace_lines.sql, …). */
  ORDERSYNC_TARGET_MAPPING: z.string().min(1).optional(),
});

/** The `sql` target needs a mapping directory; the built-in one takes none. */
export function checkTargetEnv(cfg: z.infer<typeof targetEnv>): void {
  if (cfg.ORDERSYNC_TARGET === 'sql' && !cfg.ORDERSYNC_TARGET_MAPPING)
    throw new ConfigError('ORDERSYNC_TARGET_MAPPING: required when ORDERSYNC_TARGET is sql', [
      'ORDERSYNC_TARGET_MAPPING',
    ]);
  if (cfg.ORDERSYNC_TARGET === 'builtin' && cfg.ORDERSYNC_TARGET_MAPPING)
    throw new ConfigError(
      'ORDERSYNC_TARGET_MAPPING: set, but ORDERSYNC_TARGET is builtin; set ORDERSYNC_TARGET=sql to use the mapping',
      ['ORDERSYNC_TARGET', 'ORDERSYNC_TARGET_MAPPING'],
    );
}
