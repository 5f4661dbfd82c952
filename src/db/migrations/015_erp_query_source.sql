-- The query source's bookkeeping (docs/erp-query-source.md), kept in the target
-- database whatever the ERP is. `source` is the poll cursor's name, so two
-- pipelines reading one ERP keep separate books.

-- Where each scan (orders, invoices, a backfill) has read up to: the ERP's
-- change marker and the id that breaks ties between equal markers.
CREATE TABLE IF NOT EXISTS erp_query_watermarks (
  source      VARCHAR(64)  CHARACTER SET ascii NOT NULL,
  scan        VARCHAR(32)  CHARACTER SET ascii NOT NULL,
  marker      VARCHAR(64)  NOT NULL,
  marker_id   VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
  updated_at  DATETIME(3)  NOT NULL,
  PRIMARY KEY (source, scan)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- Per order: the highest version ordersync handed out (snapshots and invoices
-- share it) and the canonical hash of the last snapshot. A version is reserved
-- (acked = 0) before it is produced and acknowledged (acked = 1) once Kafka
-- has it, so a version number is never reused for different content.
CREATE TABLE IF NOT EXISTS erp_query_orders (
  source            VARCHAR(64)  CHARACTER SET ascii NOT NULL,
  order_id          VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
  channel           VARCHAR(32)  NOT NULL,
  last_version      INT UNSIGNED NOT NULL,
  snapshot_version  INT UNSIGNED NOT NULL,
  snapshot_hash     BINARY(32)   NOT NULL,
  snapshot_acked    TINYINT(1)   NOT NULL,
  updated_at        DATETIME(3)  NOT NULL,
  PRIMARY KEY (source, order_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- Per invoice or credit note: the version it was produced with.
CREATE TABLE IF NOT EXISTS erp_query_invoices (
  source      VARCHAR(64)  CHARACTER SET ascii NOT NULL,
  invoice_id  VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
  order_id    VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
  version     INT UNSIGNED NOT NULL,
  acked       TINYINT(1)   NOT NULL,
  updated_at  DATETIME(3)  NOT NULL,
  PRIMARY KEY (source, invoice_id),
  KEY erp_query_invoices_order (source, order_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
