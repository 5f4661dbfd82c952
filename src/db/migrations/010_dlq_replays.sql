-- One row per DLQ letter that `ordersync dlq replay` sent back to its source
-- topic: a second run skips it (idempotent), an interrupted run resumes after
-- it. The fingerprint (SHA-256 of topic, key and value) recognises a letter
-- that was replayed, refused again and dead-lettered anew.
CREATE TABLE IF NOT EXISTS dlq_replays (
  dlq_topic      VARCHAR(249) CHARACTER SET ascii NOT NULL,
  dlq_partition  INT UNSIGNED    NOT NULL,
  dlq_offset     BIGINT UNSIGNED NOT NULL,
  fingerprint    BINARY(32)      NOT NULL,
  target_topic   VARCHAR(249) CHARACTER SET ascii NOT NULL,
  replayed_at    DATETIME(3)     NOT NULL,
  PRIMARY KEY (dlq_topic, dlq_partition, dlq_offset),
  KEY dlq_replays_fingerprint (dlq_topic, fingerprint)
) ENGINE = InnoDB;
