import type { Pool, RowDataPacket } from 'mysql2/promise';

/** Where `migrate` records the applied migration files (the schema version is the newest one's number). */
export const MIGRATIONS_TABLE = 'ordersync_schema_migrations';
/** The tables ordersync's migrations created; any other table is never adopted. */
export const OWNED_TABLES = 'ordersync_schema_tables';

/**
 * The bookkeeping schema this release's apply needs: 012 moved the ledger,
 * the locks and the per-order state into `ordersync_` tables. 013 (run after
 * the previous release's workers are gone) is not required to start.
 */
export const REQUIRED_SCHEMA_VERSION = 12;

export interface SchemaVersionCheck {
  ok: boolean;
  version: number;
  required: number;
  detail: string;
}

/** Reads the applied schema version; never throws for a missing record (that is version 0). */
export async function checkSchemaVersion(
  pool: Pool,
  required = REQUIRED_SCHEMA_VERSION,
): Promise<SchemaVersionCheck> {
  let version = 0;
  try {
    const [rows] = await pool.query<RowDataPacket[]>(`SELECT name FROM ${MIGRATIONS_TABLE}`);
    for (const r of rows)
      version = Math.max(version, Number(/^(\d+)_/.exec(String(r.name))?.[1] ?? 0));
  } catch (err) {
    if ((err as { code?: string }).code !== 'ER_NO_SUCH_TABLE') throw err;
  }
  const ok = version >= required;
  return {
    ok,
    version,
    required,
    detail: ok
      ? `bookkeeping schema version ${version}`
      : `bookkeeping schema version ${version}, this release needs ${required}: run \`ordersync migrate\``,
  };
}
