-- The commerce target. Runs unchanged on MySQL 8.4 and MariaDB 10.11.
-- `lines` is a reserved word in MySQL, so it is always quoted.

CREATE TABLE IF NOT EXISTS orders (
  order_id          VARCHAR(64)    NOT NULL,
  channel           VARCHAR(16)    NOT NULL,
  status            VARCHAR(16)    NOT NULL,
  customer          JSON           NOT NULL,
  shipping_address  JSON           NOT NULL,
  `lines`           JSON           NOT NULL,
  currency          CHAR(3)        NOT NULL,
  total             DECIMAL(14, 2) NOT NULL,
  erp_version       INT UNSIGNED   NOT NULL,
  last_event_type   VARCHAR(32)    NOT NULL,
  created_at        DATETIME(3)    NOT NULL,
  updated_at        DATETIME(3)    NOT NULL,
  PRIMARY KEY (order_id),
  KEY orders_channel_updated (channel, updated_at)
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

-- One row per event ever handled: the ledger that makes a retried apply a no-op.
-- seq is the exact apply order across all orders.
CREATE TABLE IF NOT EXISTS applied_events (
  event_id     VARCHAR(64)  NOT NULL,
  seq          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  order_id     VARCHAR(64)  NOT NULL,
  type         VARCHAR(32)  NOT NULL,
  erp_version  INT UNSIGNED NOT NULL,
  outcome      VARCHAR(8)   NOT NULL,
  reason       VARCHAR(16)  NULL,
  applied_at   DATETIME(3)  NOT NULL,
  PRIMARY KEY (event_id),
  UNIQUE KEY applied_events_seq (seq),
  KEY applied_events_order (order_id, seq)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- The ERP poll position: the high-water sequence plus the sequences below it
-- that were not yet visible (uncommitted) when it was read.
CREATE TABLE IF NOT EXISTS poll_cursor (
  name        VARCHAR(64)     NOT NULL,
  position    BIGINT UNSIGNED NOT NULL,
  gaps        JSON            NOT NULL,
  updated_at  DATETIME(3)     NOT NULL,
  PRIMARY KEY (name)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
