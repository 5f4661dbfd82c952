import mysql from 'mysql2/promise';
import type { Pool, PoolOptions } from 'mysql2/promise';

/**
 * The sql_mode every connection sets for its session, whatever the server's
 * default. Without NO_BACKSLASH_ESCAPES above all: mysql2 escapes values on
 * the client with backslashes, and under that mode a backslash is an ordinary
 * character, so a quote in a value would end its literal (a customer named
 * `a'; DROP TABLE …` would run SQL). Strict, so a value that does not fit is
 * an error, never silently cut. Each flag exists on MariaDB 10.11 and MySQL 8.4.
 */
export const SESSION_SQL_MODE =
  'STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION';

/**
 * The time zone every connection sets for its session. A TIMESTAMP column is
 * stored as an instant and read and written in the session's zone, which
 * otherwise is the server's default (often its system zone, e.g.
 * Europe/Paris): an ERP's TIMESTAMP change marker would read as local time
 * where the mapping says UTC, and a DATETIME literal written to a target's
 * TIMESTAMP column would land hours off. An offset, not a zone name, so the
 * server needs no time zone tables. DATETIME columns are not converted.
 */
export const SESSION_TIME_ZONE = '+00:00';

/** The callback-style connection a pool's `connection` event passes. */
interface RawConnection {
  query(sql: string, cb: (err: Error | null) => void): void;
  destroy(): void;
}

/**
 * A mysql2 pool from a `mysql://user:pass@host:port/db` URL. Options chosen for
 * portability between MySQL 8.4 and MariaDB 10.11: JSON returned as text and
 * parsed by callers, decimals as strings (no float drift), and the session's
 * sql_mode and time zone set on every new connection (SESSION_SQL_MODE,
 * SESSION_TIME_ZONE; mysql2's `timezone` option only converts Date objects).
 */
export function createPool(url: string, overrides: Partial<PoolOptions> = {}): Pool {
  const u = new URL(url);
  const pool = mysql.createPool({
    host: u.hostname,
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: u.pathname.replace(/^\//, '') || undefined,
    connectionLimit: 10,
    waitForConnections: true,
    queueLimit: 0,
    enableKeepAlive: true,
    timezone: 'Z',
    dateStrings: true,
    decimalNumbers: false,
    supportBigNumbers: true,
    bigNumberStrings: true,
    connectTimeout: 10_000,
    multipleStatements: false,
    charset: 'utf8mb4_unicode_ci',
    ...overrides,
  });
  // A connection runs its commands in order, and the pool emits this before it
  // hands the new connection out, so mode and zone are set before any statement of ours.
  pool.on('connection', (conn) => {
    const raw = conn as unknown as RawConnection;
    const set = `SET SESSION sql_mode = '${SESSION_SQL_MODE}', time_zone = '${SESSION_TIME_ZONE}'`;
    raw.query(set, (err) => {
      // Never run statements under a mode we did not choose: the statement
      // queued behind this one fails with a closed connection, and is retried.
      if (err) raw.destroy();
    });
  });
  return pool;
}

/** The same URL pointed at another database, e.g. `ordersync_test`. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
