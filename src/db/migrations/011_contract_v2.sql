-- Message contract version 2 (see docs/message-contract.md). Runs on MySQL 8.4
-- and MariaDB 10.11. Amounts widen to DECIMAL(20,4), as commerce platforms
-- store them: every currency's minor units (3 for KWD, 4 for CLF) fit exactly,
-- and a widening MODIFY keeps every stored value. One change per statement, so
-- a re-run after a crash skips only the ADD COLUMNs that already happened.

ALTER TABLE orders MODIFY total DECIMAL(20, 4) NOT NULL;

-- 'partially_shipped' is 17 characters.
ALTER TABLE orders MODIFY status VARCHAR(32) NOT NULL;

ALTER TABLE orders ADD COLUMN tax_total DECIMAL(20, 4) NULL;

ALTER TABLE orders ADD COLUMN shipping_total DECIMAL(20, 4) NULL;

ALTER TABLE orders ADD COLUMN discount_total DECIMAL(20, 4) NULL;

ALTER TABLE orders ADD COLUMN rounding_adjustment DECIMAL(20, 4) NULL;

-- The ERP's own status text, as written.
ALTER TABLE orders ADD COLUMN erp_status VARCHAR(64) NULL;

ALTER TABLE orders ADD COLUMN billing_address JSON NULL;

-- ERP-specific fields: a flat JSON object of at most 64 scalars (8 KiB).
ALTER TABLE orders ADD COLUMN attributes JSON NULL;

ALTER TABLE invoices MODIFY amount DECIMAL(20, 4) NOT NULL;

ALTER TABLE invoices MODIFY tax DECIMAL(20, 4) NOT NULL;

-- Rows written before version 2 are invoices; the default keeps older writers working.
ALTER TABLE invoices ADD COLUMN kind VARCHAR(16) NOT NULL DEFAULT 'invoice';

ALTER TABLE invoices
  ADD COLUMN against_invoice_id VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL;

ALTER TABLE invoices ADD COLUMN `lines` JSON NULL;
