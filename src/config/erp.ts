import { z } from 'zod';
import { ConfigError } from './config-error';
import { duration } from './values';

/** Where ordersync reads the ERP: an outbox table, or queries over the ERP's own tables. */
export const ERP_SOURCE_KINDS = ['outbox', 'query'] as const;
export type ErpSourceKind = (typeof ERP_SOURCE_KINDS)[number];

const erpUrl = z
  .string()
  .url()
  .refine(
    (u) => /^(mysql|postgres|postgresql):\/\//.test(u) && new URL(u).hostname !== '',
    'must be a mysql:// or postgres:// URL with a host',
  );

/** The ERP connection and how it is read. */
export const erpEnv = z.object({
  ORDERSYNC_ERP_SOURCE: z.enum(ERP_SOURCE_KINDS).default('outbox'),
  ORDERSYNC_ERP_URL: erpUrl.optional(),
  /** A mapping directory (manifest.json and its SQL files); the query source needs one. */
  ORDERSYNC_ERP_MAPPING: z.string().min(1).optional(),
  /** How far behind its watermark the query source re-reads on every poll. */
  ORDERSYNC_ERP_LOOKBACK: duration.default(15 * 60_000),
});

/** An issue for the ERP URL when neither of its names is set. */
export function missingErpUrl(
  env: Record<string, string | undefined>,
): Array<{ path: string[]; message: string }> {
  if (env.ORDERSYNC_ERP_URL !== undefined || env.ORDERSYNC_ERP_MYSQL_URL !== undefined) return [];
  return [
    {
      path: ['ORDERSYNC_ERP_URL'],
      message: 'required (or its older name ORDERSYNC_ERP_MYSQL_URL)',
    },
  ];
}

/**
 * `ORDERSYNC_ERP_URL` wins; the older `ORDERSYNC_ERP_MYSQL_URL` still works.
 * The query source needs a mapping directory.
 */
export function resolveErpEnv(cfg: {
  ORDERSYNC_ERP_URL?: string | undefined;
  ORDERSYNC_ERP_MYSQL_URL?: string | undefined;
  ORDERSYNC_ERP_SOURCE: ErpSourceKind;
  ORDERSYNC_ERP_MAPPING?: string | undefined;
}): string {
  const url = cfg.ORDERSYNC_ERP_URL ?? cfg.ORDERSYNC_ERP_MYSQL_URL;
  if (url === undefined) throw new ConfigError('ORDERSYNC_ERP_URL is unset', ['ORDERSYNC_ERP_URL']);
  if (cfg.ORDERSYNC_ERP_SOURCE === 'query' && cfg.ORDERSYNC_ERP_MAPPING === undefined) {
    throw new ConfigError(
      'ORDERSYNC_ERP_SOURCE=query needs ORDERSYNC_ERP_MAPPING, the mapping directory (e.g. mappings/erpnext)',
      ['ORDERSYNC_ERP_MAPPING'],
    );
  }
  return url;
}
