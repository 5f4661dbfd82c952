/**
 * Target tables of the seed-design systems: the same shapes as ordersync's
 * `orders`, `invoices` and `applied_events`, under a per-system prefix, so
 * one oracle (src/verify.ts) judges every system. The apply log is
 * append-only: one row per write, so a redelivered event shows up twice.
 */
import type { Pool } from 'mysql2/promise';
import type { TargetTables } from '../../../src/verify';

export const SEED_SYSTEMS = ['seed', 'old'] as const;
export type SeedSystem = (typeof SEED_SYSTEMS)[number];

export interface SeedTables extends TargetTables {
  cursor: string;
}

export function seedTables(system: SeedSystem): SeedTables {
  return {
    orders: `${system}_orders`,
    invoices: `${system}_invoices`,
    ledger: `${system}_applied_events`,
    cursor: `${system}_poll_cursor`,
  };
}

const ddl = (t: SeedTables) => [
  `CREATE TABLE IF NOT EXISTS ${t.orders} (
     order_id VARCHAR(64) NOT NULL PRIMARY KEY, channel VARCHAR(16) NOT NULL, status VARCHAR(32) NOT NULL,
     customer JSON NOT NULL, shipping_address JSON NOT NULL, \`lines\` JSON NOT NULL, currency CHAR(3) NOT NULL,
     total DECIMAL(20,4) NOT NULL, erp_version INT UNSIGNED NOT NULL, last_event_type VARCHAR(32) NOT NULL,
     created_at DATETIME(3) NOT NULL, updated_at DATETIME(3) NOT NULL
   ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci`,
  `CREATE TABLE IF NOT EXISTS ${t.invoices} (
     invoice_id VARCHAR(64) NOT NULL PRIMARY KEY, order_id VARCHAR(64) NOT NULL, number VARCHAR(64) NOT NULL,
     amount DECIMAL(20,4) NOT NULL, tax DECIMAL(20,4) NOT NULL, currency CHAR(3) NOT NULL,
     issued_at DATETIME(3) NOT NULL, KEY (order_id)
   ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci`,
  `CREATE TABLE IF NOT EXISTS ${t.ledger} (
     seq BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, event_id VARCHAR(64) NOT NULL,
     order_id VARCHAR(64) NOT NULL, type VARCHAR(32) NOT NULL, erp_version INT UNSIGNED NOT NULL,
     outcome VARCHAR(8) NOT NULL, applied_at DATETIME(3) NOT NULL, KEY (order_id, seq)
   ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci`,
  // Contract version 2 (migration 011's widening), for tables made before it.
  `ALTER TABLE ${t.orders} MODIFY status VARCHAR(32) NOT NULL, MODIFY total DECIMAL(20,4) NOT NULL`,
  `ALTER TABLE ${t.invoices} MODIFY amount DECIMAL(20,4) NOT NULL, MODIFY tax DECIMAL(20,4) NOT NULL`,
  `CREATE TABLE IF NOT EXISTS ${t.cursor} (
     name VARCHAR(128) NOT NULL PRIMARY KEY, position BIGINT UNSIGNED NOT NULL
   ) ENGINE = InnoDB`,
];

/** Creates the system's tables (idempotent), as the schema owner. */
export async function createSeedTables(migrator: Pool, system: SeedSystem): Promise<void> {
  for (const stmt of ddl(seedTables(system))) await migrator.query(stmt);
}
