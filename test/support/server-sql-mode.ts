import { existsSync } from 'node:fs';
import path from 'node:path';
import mysql from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2/promise';
import { dataDir, resolveEnv } from '../../src/config';

/** The local server's root, over its socket when there is one (as test/integration/mysql-root.test.ts does). */
async function rootConnection(): Promise<mysql.Connection> {
  const password = resolveEnv().ORDERSYNC_LOCAL_ROOT_PASSWORD;
  if (!password) throw new Error('ORDERSYNC_LOCAL_ROOT_PASSWORD missing: SET GLOBAL needs root');
  const socketPath = path.join(dataDir(), 'mysql', 'mysqld.sock');
  const where = existsSync(socketPath) ? { socketPath } : { host: '127.0.0.1', port: 3306 };
  return mysql.createConnection({ ...where, user: 'root', password });
}

/**
 * Runs `fn` while the server's global `name` is `value(before)`, and puts the
 * old value back in a finally. Sessions take the global value when they
 * connect, so `fn` should only open the connections it needs: the local
 * servers are shared, and the window is kept short.
 */
async function withGlobal<T>(
  name: 'sql_mode' | 'time_zone',
  value: (before: string) => string,
  fn: () => Promise<T>,
): Promise<T> {
  const root = await rootConnection();
  try {
    const [rows] = await root.query<RowDataPacket[]>(`SELECT @@GLOBAL.${name} AS v`);
    const before = String(rows[0]!.v);
    await root.query(`SET GLOBAL ${name} = ?`, [value(before)]);
    try {
      return await fn();
    } finally {
      await root.query(`SET GLOBAL ${name} = ?`, [before]);
    }
  } finally {
    await root.end();
  }
}

/** Runs `fn` while the server's global sql_mode has `extra` added (see withGlobal). */
export function withGlobalSqlModeAdded<T>(extra: string, fn: () => Promise<T>): Promise<T> {
  return withGlobal('sql_mode', (before) => [before, extra].filter((x) => x !== '').join(','), fn);
}

/** Runs `fn` while the server's default time zone is `zone`, e.g. `+05:30` (see withGlobal). */
export function withGlobalTimeZone<T>(zone: string, fn: () => Promise<T>): Promise<T> {
  return withGlobal('time_zone', () => zone, fn);
}
