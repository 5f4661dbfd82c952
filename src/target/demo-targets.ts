import { readFileSync } from 'node:fs';
import path from 'node:path';
import { splitStatements } from '../db/migrate';
import { createPool } from '../db/pool';

/** The shipped target mappings, by the name `demo --target` and the bench take. */
export const SHIPPED_MAPPINGS = {
  magento: path.join(__dirname, '../../mappings/targets/magento'),
} as const;
export type ShippedMapping = keyof typeof SHIPPED_MAPPINGS;

/**
 * Creates a mapping's fixture tables (`fixture/schema.sql`, idempotent) with
 * the migrator account: for the demo and tests, never for a real store, which
 * already has its tables.
 */
export async function installMappingFixture(migrateUrl: string, mappingDir: string): Promise<void> {
  const pool = createPool(migrateUrl, { connectionLimit: 1 });
  try {
    const text = readFileSync(path.join(mappingDir, 'fixture', 'schema.sql'), 'utf8');
    for (const st of splitStatements(text)) await pool.query(st);
  } finally {
    await pool.end();
  }
}
