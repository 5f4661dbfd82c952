import mysql from 'mysql2/promise';
import type { Pool, PoolOptions } from 'mysql2/promise';

/**
 * A mysql2 pool from a `mysql://user:pass@host:port/db` URL. Options chosen for
 * portability between MySQL 8.4 and MariaDB 10.11: UTC session time zone, JSON
 * returned as text and parsed by callers, decimals as strings (no float drift).
 */
export function createPool(url: string, overrides: Partial<PoolOptions> = {}): Pool {
  const u = new URL(url);
  return mysql.createPool({
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
}

/** The same URL pointed at another database, e.g. `ordersync_test`. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
