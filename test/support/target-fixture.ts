import path from 'node:path';
import type { Config } from '../../src/config';
import type { OrderEvent } from '../../src/contracts/events';
export { expectedFrom } from '../../src/target/compare-order';
import { SHIPPED_MAPPINGS, installMappingFixture } from '../../src/target/demo-targets';

export const MAGENTO_MAPPING = SHIPPED_MAPPINGS.magento;
export const SHOP_MAPPING = path.join(__dirname, '../fixtures/targets/shop');
/** WooCommerce's HPOS tables: EAV line items, address rows per kind, refunds as child orders. */
export const WOOCOMMERCE_MAPPING = path.join(__dirname, '../fixtures/targets/woocommerce');
/**
 * Shopware 6's order tables: BINARY(16) ids derived in SQL, composite (id, version_id) keys, the
 * reserved table name `order`, JSON price columns, states and documents as foreign keys.
 */
export const SHOPWARE_MAPPING = path.join(__dirname, '../fixtures/targets/shopware');

/** Creates a mapping's fixture tables (`fixture/schema.sql`) in the test database, with the migrator account. */
export const installTargetFixture = (cfg: Config, mappingDir: string): Promise<void> =>
  installMappingFixture(cfg.ORDERSYNC_MYSQL_MIGRATE_URL!, mappingDir);

/**
 * The same events with each invoice numbered after its order: commerce schemas
 * (Magento's sales_invoice among them) keep invoice numbers unique per store.
 */
export function ownInvoiceNumbers(events: OrderEvent[]): OrderEvent[] {
  return events.map((e) =>
    e.type === 'invoice_creation' ? { ...e, data: { ...e.data, number: `INV/${e.orderId}` } } : e,
  );
}
