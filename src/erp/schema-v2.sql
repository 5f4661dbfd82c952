-- Message contract version 2: the ERP keeps what a real retailer's does (tax,
-- shipping, weights, every currency's minor units, credit notes). Written as
-- upgrades so an ERP database created before them gains the columns too.
-- initErpSchema runs this file until its last column exists, and skips an ADD
-- COLUMN that already happened (a run cut short).
ALTER TABLE orders MODIFY total DECIMAL(20, 4) NOT NULL;

ALTER TABLE orders MODIFY status VARCHAR(32) NOT NULL;

ALTER TABLE orders ADD COLUMN tax_total DECIMAL(20, 4) NULL;

ALTER TABLE orders ADD COLUMN shipping_total DECIMAL(20, 4) NULL;

ALTER TABLE orders ADD COLUMN discount_total DECIMAL(20, 4) NULL;

ALTER TABLE orders ADD COLUMN rounding_adjustment DECIMAL(20, 4) NULL;

ALTER TABLE orders ADD COLUMN erp_status VARCHAR(64) NULL;

ALTER TABLE orders ADD COLUMN billing_address JSON NULL;

ALTER TABLE orders ADD COLUMN attributes JSON NULL;

ALTER TABLE order_lines MODIFY qty DECIMAL(12, 3) NOT NULL;

ALTER TABLE order_lines MODIFY unit_price DECIMAL(20, 4) NOT NULL;

ALTER TABLE order_lines ADD COLUMN name VARCHAR(255) NULL;

ALTER TABLE order_lines ADD COLUMN discount DECIMAL(20, 4) NULL;

ALTER TABLE order_lines ADD COLUMN tax DECIMAL(20, 4) NULL;

ALTER TABLE invoices MODIFY amount DECIMAL(20, 4) NOT NULL;

ALTER TABLE invoices MODIFY tax DECIMAL(20, 4) NOT NULL;

ALTER TABLE invoices ADD COLUMN kind VARCHAR(16) NOT NULL DEFAULT 'invoice';

ALTER TABLE invoices ADD COLUMN against_invoice_id VARCHAR(64) NULL;

ALTER TABLE invoices ADD COLUMN `lines` JSON NULL;
