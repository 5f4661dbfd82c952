import { z } from 'zod';
import { ConfigError } from './config-error';
import { mysqlUrl, positiveInt } from './values';

/** The target database (app and migration accounts) and the ERP database (reader and writer). */
export const mysqlEnv = z.object({
  ORDERSYNC_MYSQL_URL: mysqlUrl,
  ORDERSYNC_MYSQL_MIGRATE_URL: mysqlUrl.optional(),
  ORDERSYNC_MYSQL_POOL_SIZE: positiveInt.default(10),
  /** The older name of ORDERSYNC_ERP_URL, still read when that is unset. */
  ORDERSYNC_ERP_MYSQL_URL: mysqlUrl.optional(),
  ORDERSYNC_ERP_WRITER_URL: mysqlUrl.optional(),
});

/** The ERP writer URL, which only the simulator and the demo need; a clear error when it is unset. */
export function requireErpWriterUrl(
  cfg: Pick<z.infer<typeof mysqlEnv>, 'ORDERSYNC_ERP_WRITER_URL'>,
  purpose: string,
): string {
  if (!cfg.ORDERSYNC_ERP_WRITER_URL) {
    throw new ConfigError(`${purpose} needs ORDERSYNC_ERP_WRITER_URL`, [
      'ORDERSYNC_ERP_WRITER_URL',
    ]);
  }
  return cfg.ORDERSYNC_ERP_WRITER_URL;
}
