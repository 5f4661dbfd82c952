import { existsSync } from 'node:fs';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { dataDir, resolveEnv } from '../../src/config';
import type { Config } from '../../src/config';
import { withDatabase } from '../../src/db/pool';

/**
 * A fresh, empty database beside the test database (dropped first), granted to
 * the app and migrator accounts as the test database is. Needs the local
 * server's root password (secrets.env); throws, never skips, without it.
 */
export async function scratchDatabase(
  cfg: Config,
  suffix: string,
): Promise<{ appUrl: string; migrateUrl: string; drop: () => Promise<void> }> {
  const password = resolveEnv().ORDERSYNC_LOCAL_ROOT_PASSWORD;
  if (!password)
    throw new Error('ORDERSYNC_LOCAL_ROOT_PASSWORD missing; run `npm run infra -- up`');
  const socketPath = path.join(dataDir(), 'mysql', 'mysqld.sock');
  const where = existsSync(socketPath) ? { socketPath } : { host: '127.0.0.1', port: 3306 };
  const base = new URL(cfg.ORDERSYNC_MYSQL_URL).pathname.slice(1);
  const db = `${base}_${suffix}`;
  const grantName = db.replace(/_/g, '\\_');
  const admin = await mysql.createConnection({ ...where, user: 'root', password });
  const run = async (sql: string) => {
    await admin.query(sql);
  };
  try {
    await run(`DROP DATABASE IF EXISTS \`${db}\``);
    await run(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await run(`GRANT SELECT, INSERT, UPDATE, DELETE ON \`${grantName}\`.* TO 'ordersync_app'@'%'`);
    await run(
      `GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, DROP, INDEX, REFERENCES, CREATE VIEW, SHOW VIEW
         ON \`${grantName}\`.* TO 'ordersync_migrator'@'%'`,
    );
  } finally {
    await admin.end();
  }
  return {
    appUrl: withDatabase(cfg.ORDERSYNC_MYSQL_URL, db),
    migrateUrl: withDatabase(cfg.ORDERSYNC_MYSQL_MIGRATE_URL!, db),
    drop: async () => {
      const c = await mysql.createConnection({ ...where, user: 'root', password });
      try {
        await c.query(`DROP DATABASE IF EXISTS \`${db}\``);
      } finally {
        await c.end();
      }
    },
  };
}
