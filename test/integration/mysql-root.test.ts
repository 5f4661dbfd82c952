import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { dataDir, resolveEnv } from '../../src/config';

// Issue 8, section 3: MariaDB's root must need a credential. A password-less
// login over TCP is refused; the generated password (secrets.env) works.
const TARGET = { host: '127.0.0.1', port: 3306, connectTimeout: 5_000 };

/** The error a connection attempt ends with, or undefined if it succeeded. */
async function loginError(
  options: mysql.ConnectionOptions,
): Promise<{ code?: string } | undefined> {
  try {
    const conn = await mysql.createConnection(options);
    await conn.end();
    return undefined;
  } catch (err) {
    return err as { code?: string };
  }
}

describe('MySQL root on 127.0.0.1:3306', () => {
  it('refuses a password-less TCP login as root', async () => {
    const err = await loginError({ ...TARGET, user: 'root' });
    expect(err, 'root logged in over TCP without a password').toBeDefined();
    // Refused by authentication (or no TCP root account at all), not a server that is down.
    expect(['ER_ACCESS_DENIED_ERROR', 'ER_HOST_NOT_PRIVILEGED']).toContain(err?.code);
  });

  it('refuses root over TCP with a wrong password too', async () => {
    const err = await loginError({ ...TARGET, user: 'root', password: 'not-the-password' });
    expect(['ER_ACCESS_DENIED_ERROR', 'ER_HOST_NOT_PRIVILEGED']).toContain(err?.code);
  });

  it('keeps the generated root password in the secrets file, and it administers the server', async () => {
    const password = resolveEnv().ORDERSYNC_LOCAL_ROOT_PASSWORD;
    expect(
      password,
      'ORDERSYNC_LOCAL_ROOT_PASSWORD missing; run `npm run infra -- up`',
    ).toBeTruthy();
    // A data directory made as the OS root has no TCP root account at all; then the socket.
    const socketPath = path.join(dataDir(), 'mysql', 'mysqld.sock');
    const where = existsSync(socketPath) ? { socketPath } : TARGET;
    const conn = await mysql.createConnection({ ...where, user: 'root', password });
    try {
      const [rows] = await conn.query<mysql.RowDataPacket[]>(
        "SELECT COUNT(*) AS n FROM mysql.user WHERE User = 'ordersync_app'",
      );
      expect(Number(rows[0]!.n)).toBe(1);
    } finally {
      await conn.end();
    }
  });

  it('leaves the root of a server it did not start alone, and says to name an admin account', async () => {
    // The bootstrap sees the server on 3306 as foreign: no socket of ours, and a
    // fresh secrets file whose generated root password that server does not know.
    const dir = mkdtempSync(path.join(tmpdir(), 'ordersync-foreign-'));
    const secrets = path.join(dir, 'secrets.env');
    const env = { ...process.env };
    delete env.ORDERSYNC_MYSQL_ADMIN_URL;
    const run = promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        'scripts/infra/probe.ts',
        'mysql-bootstrap',
        '--socket',
        path.join(dir, 'none.sock'),
        '--secrets',
        secrets,
        '--wait',
        '30',
      ],
      { env },
    );
    const err = (await run.then(
      () => undefined,
      (e: unknown) => e,
    )) as { code?: number; stderr?: string } | undefined;
    expect(err, 'the bootstrap altered a foreign server').toBeDefined();
    expect(err?.code).not.toBe(0);
    expect(err?.stderr).toContain('ORDERSYNC_MYSQL_ADMIN_URL');
    expect(err?.stderr).toContain('did not start');
    // The server's real root password still works: nothing was altered.
    const password = resolveEnv().ORDERSYNC_LOCAL_ROOT_PASSWORD!;
    const socketPath = path.join(dataDir(), 'mysql', 'mysqld.sock');
    const where = existsSync(socketPath) ? { socketPath } : TARGET;
    const conn = await mysql.createConnection({ ...where, user: 'root', password });
    await conn.end();
  }, 60_000);
});
