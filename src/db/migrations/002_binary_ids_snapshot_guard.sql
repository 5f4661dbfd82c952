-- Ids are what the ERP wrote, compared byte for byte: `SO-a1` and `SO-A1` are two
-- orders, as they are in Kafka and Temporal. utf8mb4_bin on every id column, and
-- room for the contract's 128 characters. Runs on MySQL 8.4 and MariaDB 10.11.
-- Rows that a case-insensitive collation already merged stay merged (see README).

ALTER TABLE orders
  MODIFY order_id VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL;

ALTER TABLE invoices
  MODIFY invoice_id VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  MODIFY order_id VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL;

ALTER TABLE applied_events
  MODIFY event_id VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  MODIFY order_id VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL;

-- The snapshot guard: the ERP version of the snapshot the row holds. erp_version
-- stays the highest version of any applied event (an invoice raises it); only
-- snapshot_version decides whether a snapshot is stale.
ALTER TABLE orders ADD COLUMN snapshot_version INT UNSIGNED NULL AFTER erp_version;

-- Existing rows: the newest snapshot the ledger says was applied.
UPDATE orders o
   SET snapshot_version = COALESCE(
         (SELECT MAX(a.erp_version) FROM applied_events a
           WHERE a.order_id = o.order_id AND a.outcome = 'applied'
             AND a.type IN ('order_creation', 'order_updation')),
         o.erp_version)
 WHERE snapshot_version IS NULL;

-- DEFAULT 0 keeps writers that predate the column working during a rolling deploy.
ALTER TABLE orders MODIFY snapshot_version INT UNSIGNED NOT NULL DEFAULT 0;

-- One row per order ever applied, locked first by every apply: unlike the
-- orders row it exists (or is created, locked) before the first snapshot is
-- written, so two overlapping first applies of a new order serialise.
CREATE TABLE IF NOT EXISTS order_locks (
  order_id  VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  PRIMARY KEY (order_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
