-- ordersync's bookkeeping apart from the target's tables, every name prefixed
-- `ordersync_` so it cannot collide with a commerce schema (issue 25). Runs on
-- MySQL 8.4 and MariaDB 10.11.
--
-- Rolling upgrade: this migration runs BEFORE the new workers start, while the
-- previous release's workers still run. The ledger and the order locks are
-- renamed in one atomic RENAME, and views under the old names keep the old
-- workers' statements working on the very same rows: old and new workers lock
-- the same lock rows and read and write the same ledger, so the guard holds
-- across the mix. Migration 013 drops the views once the old workers are gone.

-- @unless-table ordersync_applied_events
RENAME TABLE applied_events TO ordersync_applied_events, order_locks TO ordersync_order_locks;

CREATE OR REPLACE VIEW applied_events AS
  SELECT event_id, seq, order_id, type, erp_version, outcome, reason, applied_at
    FROM ordersync_applied_events;

CREATE OR REPLACE VIEW order_locks AS SELECT order_id FROM ordersync_order_locks;

-- Per-order sync state, out of the target's row: the guard's snapshot version,
-- the highest version of any applied event, the last event type, the currency
-- of the applied snapshot (the invoice check needs it) and whether the order
-- has an invoice (`state`: 'created' or 'invoiced').
CREATE TABLE IF NOT EXISTS ordersync_order_state (
  order_id          VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  snapshot_version  INT UNSIGNED NOT NULL,
  erp_version       INT UNSIGNED NOT NULL,
  last_event_type   VARCHAR(32)  NOT NULL,
  currency          CHAR(3)      NOT NULL,
  state             VARCHAR(16)  NOT NULL,
  updated_at        DATETIME(3)  NOT NULL,
  PRIMARY KEY (order_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Which order an invoice id belongs to: an id is never reused by another order,
-- whatever table the target keeps invoices in.
CREATE TABLE IF NOT EXISTS ordersync_invoice_owners (
  invoice_id  VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  order_id    VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  PRIMARY KEY (invoice_id),
  KEY ordersync_invoice_owners_order (order_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Existing orders: their state as the built-in table holds it. An order the old
-- workers write after this runs has no state row; the apply then reads the
-- ledger (which the old workers share) and the built-in row, never "nothing".
INSERT IGNORE INTO ordersync_order_state
  (order_id, snapshot_version, erp_version, last_event_type, currency, state, updated_at)
SELECT o.order_id, o.snapshot_version, o.erp_version, o.last_event_type, o.currency,
       IF(EXISTS (SELECT 1 FROM invoices i WHERE i.order_id = o.order_id), 'invoiced', 'created'),
       o.updated_at
  FROM orders o;

INSERT IGNORE INTO ordersync_invoice_owners (invoice_id, order_id)
SELECT invoice_id, order_id FROM invoices;
