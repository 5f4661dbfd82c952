import path from 'node:path';
import type { Config } from '../../src/config';
import type { OrderEvent } from '../../src/contracts/events';
import type { ExpectedOrder } from '../../src/target/compare-order';
import { SHIPPED_MAPPINGS, installMappingFixture } from '../../src/target/demo-targets';

export const MAGENTO_MAPPING = SHIPPED_MAPPINGS.magento;
export const SHOP_MAPPING = path.join(__dirname, '../fixtures/targets/shop');
/** WooCommerce's HPOS tables: EAV line items, address rows per kind, refunds as child orders. */
export const WOOCOMMERCE_MAPPING = path.join(__dirname, '../fixtures/targets/woocommerce');

/** Creates a mapping's fixture tables (`fixture/schema.sql`) in the test database, with the migrator account. */
export const installTargetFixture = (cfg: Config, mappingDir: string): Promise<void> =>
  installMappingFixture(cfg.ORDERSYNC_MYSQL_MIGRATE_URL!, mappingDir);

/** The order the ERP holds after `events`: the newest snapshot and every invoice. */
export function expectedFrom(events: readonly OrderEvent[]): ExpectedOrder {
  const snapshots = events.filter((e) => e.type !== 'invoice_creation');
  const last = snapshots.reduce((a, b) => (b.erpVersion > a.erpVersion ? b : a));
  const { lines, ...fields } = last.data;
  return {
    fields: { ...fields, channel: last.channel },
    lines,
    invoices: events.flatMap((e) => (e.type === 'invoice_creation' ? [e.data] : [])),
  };
}

/**
 * The same events with each invoice numbered after its order: commerce schemas
 * (Magento's sales_invoice among them) keep invoice numbers unique per store.
 */
export function ownInvoiceNumbers(events: OrderEvent[]): OrderEvent[] {
  return events.map((e) =>
    e.type === 'invoice_creation' ? { ...e, data: { ...e.data, number: `INV/${e.orderId}` } } : e,
  );
}
