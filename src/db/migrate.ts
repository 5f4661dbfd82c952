import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Pool } from 'mysql2/promise';

const MIGRATIONS_DIR = path.join(__dirname, 'migrations');

/** Splits a migration file into statements; statements end with `;` at end of line. */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((s) =>
      s
        .split('\n')
        .filter((l) => !l.trim().startsWith('--'))
        .join('\n')
        .trim(),
    )
    .filter((s) => s.length > 0);
}

/**
 * Runs one DDL statement of an idempotent file: `ADD COLUMN` (which MySQL
 * cannot guard with IF NOT EXISTS) counts as done when the column exists.
 */
export async function runDdl(pool: Pool, stmt: string): Promise<void> {
  await pool.query(stmt).catch((err: unknown) => {
    if ((err as { code?: string }).code !== 'ER_DUP_FIELDNAME') throw err;
  });
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: string[];
}

/**
 * Applies `migrations/NNN_name.sql` in order, once each, recording them in
 * `schema_migrations`. Files are idempotent DDL, so a crash mid-file is safe to
 * re-run; `ADD COLUMN` (which MySQL cannot guard with IF NOT EXISTS) counts as
 * done when the column already exists.
 */
export async function migrate(
  pool: Pool,
  log: (msg: string) => void = () => {},
): Promise<MigrationReport> {
  await pool.query(
    `CREATE TABLE IF NOT EXISTS schema_migrations (
       name VARCHAR(128) NOT NULL PRIMARY KEY,
       applied_at DATETIME(3) NOT NULL
     ) ENGINE = InnoDB`,
  );
  const [rows] = await pool.query('SELECT name FROM schema_migrations');
  const done = new Set((rows as Array<{ name: string }>).map((r) => r.name));
  const files = readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d+_.+\.sql$/.test(f))
    .sort();
  const report: MigrationReport = { applied: [], alreadyApplied: [] };
  for (const file of files) {
    if (done.has(file)) {
      report.alreadyApplied.push(file);
      continue;
    }
    log(`applying ${file}`);
    for (const stmt of splitStatements(readFileSync(path.join(MIGRATIONS_DIR, file), 'utf8'))) {
      await runDdl(pool, stmt);
    }
    await pool.query(
      'INSERT INTO schema_migrations (name, applied_at) VALUES (?, UTC_TIMESTAMP(3))',
      [file],
    );
    report.applied.push(file);
  }
  return report;
}
