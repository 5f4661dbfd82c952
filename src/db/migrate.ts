import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';
import { MigrationRefusedError } from './migration-errors';
import { MIGRATIONS_TABLE, OWNED_TABLES } from './schema-version';

const MIGRATIONS_DIR = path.join(__dirname, 'migrations');
/** The named lock two `migrate` runs take, so they serialise instead of racing. */
const MIGRATE_LOCK = 'ordersync.migrate';
const LOCK_WAIT_SECONDS = 120;

const withoutComments = (s: string) =>
  s
    .split('\n')
    .filter((l) => !l.trim().startsWith('--'))
    .join('\n')
    .trim();

/** Splits a migration file into statements; statements end with `;` at end of line. */
export function splitStatements(sql: string): string[] {
  return parseMigration(sql).map((s) => s.sql);
}

/** One statement of a migration file and the directive above it, if any. */
export interface MigrationStatement {
  sql: string;
  /** `-- @unless-table NAME`: skip the statement when NAME exists (a rename already done). */
  unlessTable?: string;
}

export function parseMigration(text: string): MigrationStatement[] {
  return text
    .split(/;\s*$/m)
    .map((chunk) => {
      const unless = /^\s*--\s*@unless-table\s+(\w+)\s*$/m.exec(chunk)?.[1];
      return { sql: withoutComments(chunk), ...(unless ? { unlessTable: unless } : {}) };
    })
    .filter((s) => s.sql.length > 0);
}

/** Tables a statement creates with `CREATE TABLE [IF NOT EXISTS] name`. */
export function createdTable(sql: string): string | null {
  return /^CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?`?(\w+)`?/i.exec(sql)?.[1] ?? null;
}

/**
 * Runs one DDL statement of an idempotent file: `ADD COLUMN` (which MySQL
 * cannot guard with IF NOT EXISTS) counts as done when the column exists.
 */
export async function runDdl(conn: Pool | PoolConnection, stmt: string): Promise<void> {
  await conn.query(stmt).catch((err: unknown) => {
    if ((err as { code?: string }).code !== 'ER_DUP_FIELDNAME') throw err;
  });
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: string[];
  /** The schema version after the run: the number of the newest applied migration. */
  version: number;
}

const migrationFiles = () =>
  readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d+_.+\.sql$/.test(f))
    .sort();

export const versionOf = (file: string): number => Number(/^(\d+)_/.exec(file)?.[1] ?? 0);

async function tableExists(conn: PoolConnection, name: string): Promise<boolean> {
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?`,
    [name],
  );
  return rows.length > 0;
}

/**
 * The bookkeeping of migrations themselves: the record of applied files (the
 * release before 012 called it `schema_migrations`; it is renamed once) and the
 * tables ordersync created, so that a table it did not create is never adopted.
 */
async function prepare(conn: PoolConnection): Promise<Set<string>> {
  if (
    !(await tableExists(conn, MIGRATIONS_TABLE)) &&
    (await tableExists(conn, 'schema_migrations'))
  )
    await conn.query(`RENAME TABLE schema_migrations TO ${MIGRATIONS_TABLE}`);
  await conn.query(
    `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
       name VARCHAR(128) NOT NULL PRIMARY KEY,
       applied_at DATETIME(3) NOT NULL
     ) ENGINE = InnoDB`,
  );
  await conn.query(
    `CREATE TABLE IF NOT EXISTS ${OWNED_TABLES} (
       table_name VARCHAR(64) NOT NULL PRIMARY KEY,
       migration VARCHAR(128) NOT NULL
     ) ENGINE = InnoDB`,
  );
  const [rows] = await conn.query<RowDataPacket[]>(`SELECT name FROM ${MIGRATIONS_TABLE}`);
  const done = new Set(rows.map((r) => String(r.name)));
  // A database migrated before tables were recorded: what its applied files
  // create was created by ordersync (those runs are the only writers of the record).
  for (const file of migrationFiles().filter((f) => done.has(f))) {
    for (const st of parseMigration(readFileSync(path.join(MIGRATIONS_DIR, file), 'utf8'))) {
      const table = createdTable(st.sql);
      if (table)
        await conn.query(
          `INSERT IGNORE INTO ${OWNED_TABLES} (table_name, migration) VALUES (?, ?)`,
          [table, file],
        );
    }
  }
  return done;
}

async function refuseForeignTables(
  conn: PoolConnection,
  file: string,
  statements: MigrationStatement[],
) {
  const [owned] = await conn.query<RowDataPacket[]>(`SELECT table_name FROM ${OWNED_TABLES}`);
  const ours = new Set(owned.map((r) => String(r.table_name)));
  for (const st of statements) {
    const table = createdTable(st.sql);
    if (table && !ours.has(table) && (await tableExists(conn, table)))
      throw new MigrationRefusedError(file, table);
  }
}

async function applyFile(conn: PoolConnection, file: string): Promise<void> {
  const statements = parseMigration(readFileSync(path.join(MIGRATIONS_DIR, file), 'utf8'));
  await refuseForeignTables(conn, file, statements);
  for (const st of statements) {
    if (st.unlessTable && (await tableExists(conn, st.unlessTable))) continue;
    const table = createdTable(st.sql);
    // Recorded before the CREATE runs: a crash between the two leaves the name
    // claimed, and the re-run's IF NOT EXISTS finds ordersync's own table.
    if (table)
      await conn.query(`INSERT IGNORE INTO ${OWNED_TABLES} (table_name, migration) VALUES (?, ?)`, [
        table,
        file,
      ]);
    await runDdl(conn, st.sql);
  }
  await conn.query(
    `INSERT INTO ${MIGRATIONS_TABLE} (name, applied_at) VALUES (?, UTC_TIMESTAMP(3))`,
    [file],
  );
}

/**
 * Applies `migrations/NNN_name.sql` in order, once each, under a named lock so
 * that two runs serialise (the second finds the work done). Files are
 * idempotent DDL, so a crash mid-file is safe to re-run. A file that would
 * create a table which exists but which ordersync did not create is refused,
 * naming the table: ordersync never adopts a commerce schema's own table.
 */
export async function migrate(
  pool: Pool,
  log: (msg: string) => void = () => {},
  opts: { upTo?: number } = {},
): Promise<MigrationReport> {
  const conn = await pool.getConnection();
  try {
    const [locked] = await conn.query<RowDataPacket[]>('SELECT GET_LOCK(?, ?) AS got', [
      MIGRATE_LOCK,
      LOCK_WAIT_SECONDS,
    ]);
    if (Number(locked[0]?.got) !== 1)
      throw new Error(
        `another migrate run held the lock ${MIGRATE_LOCK} for more than ${LOCK_WAIT_SECONDS} s`,
      );
    try {
      const done = await prepare(conn);
      const report: MigrationReport = { applied: [], alreadyApplied: [], version: 0 };
      // --to: the rolling upgrade's first step stops at 012; 013 runs once old workers are gone.
      for (const file of migrationFiles().filter((f) => versionOf(f) <= (opts.upTo ?? Infinity))) {
        if (done.has(file)) report.alreadyApplied.push(file);
        else {
          log(`applying ${file}`);
          await applyFile(conn, file);
          report.applied.push(file);
        }
        report.version = versionOf(file);
      }
      return report;
    } finally {
      await conn.query('SELECT RELEASE_LOCK(?)', [MIGRATE_LOCK]).catch(() => undefined);
    }
  } finally {
    conn.release();
  }
}

/** The migration files this release ships, by name (for the schema-version check). */
export const shippedMigrations = (): string[] => migrationFiles();
