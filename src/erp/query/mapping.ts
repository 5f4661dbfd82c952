/**
 * A query-source mapping: a directory with `manifest.json` and three SQL files
 * written in the ERP's own dialect (docs/erp-query-source.md). Nothing here
 * knows any ERP; the mapping says which parameters its SQL uses and how the
 * ERP's channel and status values map onto the contract.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { CHANNELS, ORDER_STATUSES } from '../../contracts/events';

/** What a parameter in the SQL files means; the manifest names each one. */
export const PARAMETER_ROLES = ['since', 'afterId', 'limit', 'orderIds'] as const;

const paramName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a name such as since or order_ids');

export const manifestSchema = z.strictObject({
  /** A label for logs and `source check`. */
  name: z.string().min(1).max(64),
  /** The ERP's SQL dialect; the ERP URL must agree. */
  dialect: z.enum(['mysql', 'postgres']),
  /** The SQL file of each query, relative to the manifest. */
  queries: z
    .strictObject({
      changedOrders: z.string().min(1).default('changed_orders.sql'),
      orders: z.string().min(1).default('orders.sql'),
      invoices: z.string().min(1).default('invoices.sql'),
      /** Invoices of given orders (`:order_ids`), for a replay; without it a replay re-reads the snapshot only. */
      orderInvoices: z.string().min(1).optional(),
      /**
       * Every order id after `:after_id`, by id, at most `:limit`: reconciliation's
       * full sweep. Without it the sweep pages over the orders ordersync has produced.
       */
      allOrders: z.string().min(1).optional(),
    })
    .default({
      changedOrders: 'changed_orders.sql',
      orders: 'orders.sql',
      invoices: 'invoices.sql',
    }),
  /** The name each parameter has in the SQL (`:name`). */
  parameters: z
    .strictObject({
      since: paramName.default('since'),
      afterId: paramName.default('after_id'),
      limit: paramName.default('limit'),
      orderIds: paramName.default('order_ids'),
    })
    .default({ since: 'since', afterId: 'after_id', limit: 'limit', orderIds: 'order_ids' }),
  /**
   * The time zone the ERP writes its change markers in (an IANA name such as
   * `UTC` or `Europe/Berlin`); events' `occurredAt` is the marker in UTC.
   */
  markerTimeZone: z
    .string()
    .default('UTC')
    .refine((tz) => isTimeZone(tz), 'an IANA time zone such as UTC or Europe/Berlin'),
  /** The `channel` value the SQL returns → the contract's channel. */
  channels: z.record(z.string(), z.enum(CHANNELS)),
  /** The `erp_status` value the SQL returns → the contract's status. */
  statuses: z.record(z.string(), z.enum(ORDER_STATUSES)),
});

export type Manifest = z.infer<typeof manifestSchema>;

export interface Mapping {
  dir: string;
  manifest: Manifest;
  sql: {
    changedOrders: string;
    orders: string;
    invoices: string;
    orderInvoices?: string;
    allOrders?: string;
  };
}

/** Thrown when a mapping directory is missing a file or its manifest is invalid. */
export class MappingError extends Error {
  override readonly name = 'MappingError';
}

/** Reads and checks a mapping directory; every problem is named in one error. */
export function loadMapping(dir: string): Mapping {
  const manifestPath = path.join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) throw new MappingError(`${manifestPath} does not exist`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (err) {
    throw new MappingError(`${manifestPath}: ${(err as Error).message}`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new MappingError(`${manifestPath} is invalid:\n${why.join('\n')}`);
  }
  const manifest = parsed.data;
  const read = (file: string) => {
    const p = path.resolve(dir, file);
    if (!existsSync(p)) throw new MappingError(`${p} (named in ${manifestPath}) does not exist`);
    return readFileSync(p, 'utf8');
  };
  return {
    dir,
    manifest,
    sql: {
      changedOrders: read(manifest.queries.changedOrders),
      orders: read(manifest.queries.orders),
      invoices: read(manifest.queries.invoices),
      ...(manifest.queries.orderInvoices
        ? { orderInvoices: read(manifest.queries.orderInvoices) }
        : {}),
      ...(manifest.queries.allOrders ? { allOrders: read(manifest.queries.allOrders) } : {}),
    },
  };
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
