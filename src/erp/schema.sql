-- The simulated ERP. Owned by the ERP (erp_writer); ordersync only reads it (erp_reader).
CREATE TABLE IF NOT EXISTS orders (
  order_id          VARCHAR(64)    NOT NULL,
  channel           VARCHAR(16)    NOT NULL,
  status            VARCHAR(16)    NOT NULL,
  customer          JSON           NOT NULL,
  shipping_address  JSON           NOT NULL,
  currency          CHAR(3)        NOT NULL,
  total             DECIMAL(14, 2) NOT NULL,
  version           INT UNSIGNED   NOT NULL,
  created_at        DATETIME(3)    NOT NULL,
  updated_at        DATETIME(3)    NOT NULL,
  PRIMARY KEY (order_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS order_lines (
  order_id    VARCHAR(64)    NOT NULL,
  line_no     INT UNSIGNED   NOT NULL,
  sku         VARCHAR(64)    NOT NULL,
  qty         INT UNSIGNED   NOT NULL,
  unit_price  DECIMAL(14, 2) NOT NULL,
  PRIMARY KEY (order_id, line_no)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS invoices (
  invoice_id  VARCHAR(64)    NOT NULL,
  order_id    VARCHAR(64)    NOT NULL,
  number      VARCHAR(64)    NOT NULL,
  amount      DECIMAL(14, 2) NOT NULL,
  tax         DECIMAL(14, 2) NOT NULL,
  currency    CHAR(3)        NOT NULL,
  issued_at   DATETIME(3)    NOT NULL,
  PRIMARY KEY (invoice_id),
  KEY invoices_order (order_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Append-only change log: one row per business event, written in the same
-- transaction as the change. seq is global; version counts per order.
CREATE TABLE IF NOT EXISTS order_events (
  seq          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  event_id     VARCHAR(64)     NOT NULL,
  order_id     VARCHAR(64)     NOT NULL,
  channel      VARCHAR(16)     NOT NULL,
  type         VARCHAR(32)     NOT NULL,
  version      INT UNSIGNED    NOT NULL,
  occurred_at  DATETIME(3)     NOT NULL,
  payload      JSON            NOT NULL,
  PRIMARY KEY (seq),
  UNIQUE KEY order_events_event (event_id),
  UNIQUE KEY order_events_order_version (order_id, version)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
