/**
 * `ordersync source check` for the query source: every query of the mapping
 * runs, returns the columns the contract needs, and the channel and status
 * maps cover the values the data holds. Reads only; reserves no version.
 */
import { CHANNELS, ORDER_STATUSES, orderEventSchema } from '../../contracts/events';
import type { ErpEvent } from '../source';
import {
  CHANGED_ORDER_COLUMNS,
  INVOICE_COLUMNS,
  ORDER_COLUMNS,
  assembleOrders,
  missingColumns,
  snapshotEventId,
  snapshotHash,
} from './assemble';
import type { MappingQueries } from './mapping-queries';
import { MARKER_ORIGIN, markerToIso } from './marker';

export interface SampleEvent {
  event: ErpEvent;
  /** The consumer's verdict: null when the event passes the contract. */
  invalid: string | null;
}

export interface CheckReport {
  problems: string[];
  /** Rows each query returned (at most the sample size). */
  counts: Record<string, number>;
  samples: SampleEvent[];
}

const SAMPLE = 50;

export async function checkMapping(queries: MappingQueries, samples = 3): Promise<CheckReport> {
  const problems: string[] = [];
  const counts: Record<string, number> = {};
  const manifest = queries.mapping.manifest;
  const run = async <T>(name: string, q: () => Promise<T[]>): Promise<T[]> => {
    try {
      const rows = await q();
      counts[name] = rows.length;
      return rows;
    } catch (err) {
      problems.push(`${name}: the query failed: ${(err as Error).message}`);
      return [];
    }
  };
  const origin = { marker: MARKER_ORIGIN, id: '' };
  const rawChanged = await run('changed_orders', () =>
    queries.client.query(queries.mapping.sql.changedOrders, {
      [manifest.parameters.since]: origin.marker,
      [manifest.parameters.afterId]: '',
      [manifest.parameters.limit]: SAMPLE,
      [manifest.parameters.orderIds]: [],
    }),
  );
  if (rawChanged[0]) {
    for (const c of missingColumns(rawChanged[0], CHANGED_ORDER_COLUMNS))
      problems.push(`changed_orders: no column ${c}`);
  }
  const ids = [...new Set(rawChanged.map((r) => String(r.order_id)))];
  const orderRows = ids.length > 0 ? await run('orders', () => queries.orders(ids)) : [];
  if (orderRows[0]) {
    for (const c of missingColumns(orderRows[0], ORDER_COLUMNS))
      problems.push(`orders: no column ${c}`);
  }
  const invoiceRows = await run('invoices', () => queries.invoices(origin, SAMPLE));
  if (invoiceRows[0]) {
    for (const c of missingColumns(invoiceRows[0], INVOICE_COLUMNS))
      problems.push(`invoices: no column ${c}`);
  }
  if (queries.mapping.sql.orderInvoices) {
    await run('order_invoices', async () => (await queries.orderInvoices(ids.slice(0, 5))) ?? []);
  }
  if (queries.mapping.sql.allOrders) {
    await run('all_orders', async () => (await queries.allOrderIds('', SAMPLE)) ?? []);
  }
  const orders = assembleOrders(orderRows, manifest);
  const unread = ids.filter((id) => !orders.some((o) => o.orderId === id));
  if (unread.length > 0)
    problems.push(
      `orders: no rows for ${unread.length} of the ${ids.length} orders changed_orders named ` +
        `(${unread
          .slice(0, 3)
          .map((id) => JSON.stringify(id))
          .join(', ')}): the poll never produces them ` +
        '(no line left after the filters of orders.sql, or a condition changed_orders.sql lacks)',
    );
  const unmapped = (kind: string, values: Iterable<string>, known: readonly string[]) => {
    const missing = [...new Set(values)].filter((v) => !known.includes(v));
    if (missing.length > 0)
      problems.push(
        `${kind} not mapped in manifest.json: ${missing.map((v) => JSON.stringify(v)).join(', ')}`,
      );
  };
  unmapped(
    'channel values',
    orders.map((o) => o.channel),
    CHANNELS,
  );
  unmapped(
    'status values',
    orders.map((o) => String(o.data.status)),
    ORDER_STATUSES,
  );
  const markers = new Map(rawChanged.map((r) => [String(r.order_id), String(r.marker)]));
  const out: SampleEvent[] = orders.slice(0, samples).map((o) => {
    const event = {
      seq: 0,
      eventId: snapshotEventId(o.orderId, 1, snapshotHash(o)),
      orderId: o.orderId,
      channel: o.channel,
      type: 'order_creation',
      erpVersion: 1,
      occurredAt: markerToIso(markers.get(o.orderId) ?? MARKER_ORIGIN, manifest.markerTimeZone),
      data: o.data,
    } as ErpEvent;
    const { seq: _seq, ...value } = event;
    const parsed = orderEventSchema.safeParse(value);
    const invalid = parsed.success
      ? null
      : parsed.error.issues
          .slice(0, 5)
          .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
          .join('; ');
    if (invalid) problems.push(`order ${o.orderId}: ${invalid}`);
    return { event, invalid };
  });
  if (ids.length === 0)
    problems.push('changed_orders returned no order: nothing to check the other queries against');
  return { problems, counts, samples: out };
}
