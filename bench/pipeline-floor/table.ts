// The plain table the pipeline floor writes: one row per event, upserted.
export const PIPELINE_FLOOR_TABLE = 'bench_pipeline_floor';

export const PIPELINE_FLOOR_DDL = `CREATE TABLE IF NOT EXISTS ${PIPELINE_FLOOR_TABLE} (
  run_tag VARCHAR(64) NOT NULL, event_id VARCHAR(64) NOT NULL, order_id VARCHAR(64) NOT NULL,
  erp_version INT UNSIGNED NOT NULL, message JSON NOT NULL,
  PRIMARY KEY (run_tag, event_id)) ENGINE = InnoDB`;

/** The header naming the run a message belongs to (its rows and workflow ids are apart). */
export const RUN_TAG_HEADER = 'pf-run';
