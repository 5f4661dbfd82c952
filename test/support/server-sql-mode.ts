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
 * Runs `fn` while the server's global sql_mode has `extra` added, and puts the
 * old value back in a finally. Sessions take the global mode when they
 * connect, so `fn` should only open the connections it needs: the local
 * servers are shared, and the window is kept short.
 */
export async function withGlobalSqlModeAdded<T>(extra: string, fn: () => Promise<T>): Promise<T> {
  const root = await rootConnection();
  try {
    const [rows] = await root.query<RowDataPacket[]>('SELECT @@GLOBAL.sql_mode AS m');
    const before = String(rows[0]!.m);
    await root.query('SET GLOBAL sql_mode = ?', [
      [before, extra].filter((x) => x !== '').join(','),
    ]);
    try {
      return await fn();
    } finally {
      await root.query('SET GLOBAL sql_mode = ?', [before]);
    }
  } finally {
    await root.end();
  }
}
