/**
 * Health probes and MySQL bootstrap for scripts/infra.sh, written with the same
 * clients the application uses so "healthy" means "ordersync can use it".
 *
 *   probe.ts temporal|kafka|mysql --wait SECONDS
 *   probe.ts status
 *   probe.ts mysql-bootstrap [--socket PATH] --secrets FILE [--wait SECONDS]
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { Connection } from '@temporalio/client';
import { Kafka, logLevel } from 'kafkajs';
import { parseEnvFile, dataDir, resolveEnv } from '../../src/config';
import {
  APP_DATABASES,
  ERP_DATABASES,
  REQUIRED_SEARCH_ATTRIBUTES,
} from '../../src/infra/constants';

const TEMPORAL_ADDRESS = process.env.ORDERSYNC_TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
const KAFKA_BROKERS = (process.env.ORDERSYNC_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
/** How many brokers infra.sh started; the cluster is healthy once all of them joined. */
const KAFKA_NODES = Number(process.env.ORDERSYNC_KAFKA_NODES ?? '1');

type Check = () => Promise<string>;

const checks: Record<'temporal' | 'kafka' | 'mysql', Check> = {
  async temporal() {
    const connection = await Connection.connect({
      address: TEMPORAL_ADDRESS,
      connectTimeout: '3s',
    });
    try {
      const res = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      const missing = REQUIRED_SEARCH_ATTRIBUTES.filter(
        (a) => !(a in (res.customAttributes ?? {})),
      );
      if (missing.length > 0)
        throw new Error(`search attributes not registered: ${missing.join(', ')}`);
      return `Temporal at ${TEMPORAL_ADDRESS}, UI http://127.0.0.1:8233`;
    } finally {
      await connection.close();
    }
  },
  async kafka() {
    const kafka = new Kafka({
      clientId: 'ordersync-probe',
      brokers: KAFKA_BROKERS,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3000,
      retry: { retries: 0 },
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length < KAFKA_NODES)
        throw new Error(`${cluster.brokers.length} of ${KAFKA_NODES} brokers registered`);
      return `Kafka at ${KAFKA_BROKERS.join(',')} (${cluster.brokers.length} broker, controller ${cluster.controller})`;
    } finally {
      await admin.disconnect();
    }
  },
  async mysql() {
    const url = resolveEnv().ORDERSYNC_MYSQL_URL;
    if (!url) throw new Error('ORDERSYNC_MYSQL_URL is not set and no secrets file exists yet');
    const conn = await mysql.createConnection({ uri: url, connectTimeout: 3000 });
    try {
      const [rows] = await conn.query('SELECT VERSION() AS v');
      const version = (rows as Array<{ v: string }>)[0]?.v ?? '?';
      const u = new URL(url);
      return `MySQL ${version} at ${u.host}, app user ${decodeURIComponent(u.username)}`;
    } finally {
      await conn.end();
    }
  },
};

/** A failure that waiting cannot cure; `retryUntil` gives up at once. */
class RefusedError extends Error {}

async function retryUntil<T>(fn: () => Promise<T>, seconds: number, what: string): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof RefusedError) throw err;
      if (Date.now() > deadline) {
        throw new Error(`${what} not healthy after ${seconds}s: ${(err as Error).message}`);
      }
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function waitFor(name: keyof typeof checks, seconds: number): Promise<boolean> {
  try {
    const msg = await retryUntil(checks[name], seconds, name);
    console.error(`[infra] ${name} healthy: ${msg}`);
    return true;
  } catch (err) {
    console.error(`[infra] ${(err as Error).message}`);
    return false;
  }
}

async function status(): Promise<boolean> {
  let ok = true;
  for (const name of Object.keys(checks) as Array<keyof typeof checks>) {
    try {
      console.log(`ok    ${name.padEnd(8)} ${await checks[name]()}`);
    } catch (err) {
      ok = false;
      console.log(`DOWN  ${name.padEnd(8)} ${(err as Error).message}`);
    }
  }
  return ok;
}

/**
 * Creates the databases and three least-privilege accounts:
 *   ordersync_app       DML on the ordersync databases (the worker and consumer)
 *   ordersync_migrator  DDL + DML on the ordersync databases (`ordersync migrate`)
 *   erp_reader          SELECT on the ERP databases (the poller)
 *   erp_writer          owner of the simulated ERP databases (`ordersync erp simulate`)
 * Passwords are generated once and kept in the secrets file (mode 600). On the
 * MariaDB this script manages, root gets a generated password too
 * (`ORDERSYNC_LOCAL_ROOT_PASSWORD`); with ORDERSYNC_MYSQL_ADMIN_URL the admin
 * account is someone else's and is left as it is.
 */
async function bootstrap(
  socket: string | undefined,
  secretsFile: string,
  waitSeconds: number,
): Promise<void> {
  const existing = existsSync(secretsFile) ? parseEnvFile(readFileSync(secretsFile, 'utf8')) : {};
  const password = (user: string): string => {
    const key = `ORDERSYNC_LOCAL_${user.toUpperCase()}_PASSWORD`;
    existing[key] ??= randomBytes(18).toString('base64url');
    return existing[key];
  };
  const adminUrl = process.env.ORDERSYNC_MYSQL_ADMIN_URL;
  // Without an admin URL the bootstrap is root's: of our MariaDB through its
  // socket, or of the server already on 127.0.0.1:3306.
  const rootPassword = adminUrl ? undefined : password('root');
  const conn = await retryUntil(
    () =>
      rootPassword === undefined
        ? mysql.createConnection({ uri: adminUrl })
        : connectAsRoot(socket, rootPassword),
    waitSeconds,
    'mysql (admin)',
  );
  if (rootPassword !== undefined) {
    // Saved before it is set, so an interrupted bootstrap can never lose it.
    writeSecrets(secretsFile, existing, []);
    try {
      await requireRootPassword(conn, rootPassword);
    } catch (err) {
      await conn.end();
      throw err;
    }
  }
  const grants: Array<[string, string, readonly string[]]> = [
    ['ordersync_app', 'SELECT, INSERT, UPDATE, DELETE', APP_DATABASES],
    [
      'ordersync_migrator',
      // CREATE VIEW: migration 012 leaves views under the ledger's and locks' old names for a rolling upgrade.
      'SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, DROP, INDEX, REFERENCES, CREATE VIEW, SHOW VIEW',
      APP_DATABASES,
    ],
    ['erp_reader', 'SELECT', ERP_DATABASES],
    [
      'erp_writer',
      'SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, DROP, INDEX, REFERENCES',
      ERP_DATABASES,
    ],
  ];
  try {
    for (const db of [...APP_DATABASES, ...ERP_DATABASES]) {
      await conn.query(
        `CREATE DATABASE IF NOT EXISTS ${mysql.escapeId(db)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
      );
    }
    for (const [user, privileges, dbs] of grants) {
      const pw = password(user);
      await conn.query(`CREATE USER IF NOT EXISTS ?@'%' IDENTIFIED BY ?`, [user, pw]);
      await conn.query(`ALTER USER ?@'%' IDENTIFIED BY ?`, [user, pw]);
      for (const db of dbs) {
        // `_` is a wildcard in a GRANT's database name; escape it so the grant names one database.
        await conn.query(`GRANT ${privileges} ON \`${db.replace(/_/g, '\\_')}\`.* TO ?@'%'`, [
          user,
        ]);
      }
    }
  } finally {
    await conn.end();
  }
  const url = (user: string, db: string) =>
    `mysql://${user}:${encodeURIComponent(password(user))}@127.0.0.1:3306/${db}`;
  writeSecrets(secretsFile, existing, [
    `ORDERSYNC_MYSQL_URL=${url('ordersync_app', 'ordersync')}`,
    `ORDERSYNC_MYSQL_MIGRATE_URL=${url('ordersync_migrator', 'ordersync')}`,
    `ORDERSYNC_ERP_MYSQL_URL=${url('erp_reader', 'erp')}`,
    `ORDERSYNC_ERP_WRITER_URL=${url('erp_writer', 'erp')}`,
  ]);
  console.error(
    `[infra] mysql ready: databases ${[...APP_DATABASES, ...ERP_DATABASES].join(', ')}; credentials in ${secretsFile}`,
  );
}

/** Writes the secrets file (mode 600): the existing entries first, then `lines` for keys not yet present. */
function writeSecrets(file: string, existing: Record<string, string>, lines: string[]): void {
  const all = [
    '# Written by scripts/infra.sh for the local servers. Real environment variables take precedence.',
    ...Object.entries(existing).map(([k, v]) => `${k}=${v}`),
    ...lines,
  ];
  const unique = all.filter(
    (l, i) => l.startsWith('#') || all.findIndex((m) => m.split('=')[0] === l.split('=')[0]) === i,
  );
  writeFileSync(file, `${unique.join('\n')}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/**
 * Connects as root through the socket when it exists, else over 127.0.0.1.
 * With the generated password first; without one
 * only while root still has none (a data directory from before root needed a
 * credential, or a first bootstrap that was interrupted), which is then fixed.
 */
async function connectAsRoot(socket: string | undefined, password: string) {
  const ours = socket !== undefined && existsSync(socket);
  const target = ours ? { socketPath: socket } : { host: '127.0.0.1', port: 3306 };
  try {
    return await mysql.createConnection({ ...target, user: 'root', password });
  } catch (err) {
    if ((err as { code?: string }).code !== 'ER_ACCESS_DENIED_ERROR') throw err;
    // A server this script did not start is not ours to harden: its root keeps
    // whatever credential it has, and the operator names an admin account.
    if (!ours) {
      throw new RefusedError(
        'a MySQL server this script did not start listens on 127.0.0.1:3306, and root does not accept the password in the secrets file; ' +
          'set ORDERSYNC_MYSQL_ADMIN_URL to an account that may create databases and users (its root account is left as it is)',
      );
    }
    return mysql.createConnection({ ...target, user: 'root' });
  }
}

/**
 * Makes every `root` account need a credential: the generated password, and on
 * MariaDB also the OS user `root` through the socket (unix_socket), who can
 * read the secrets file anyway. No local process gets a superuser over TCP
 * without the secrets file.
 */
async function requireRootPassword(conn: mysql.Connection, password: string): Promise<void> {
  const [[version]] = await conn.query<mysql.RowDataPacket[]>('SELECT VERSION() AS v');
  const mariadb = String(version?.v).includes('MariaDB');
  const [rows] = await conn.query<mysql.RowDataPacket[]>(
    "SELECT Host AS host FROM mysql.user WHERE User = 'root'",
  );
  for (const { host } of rows) {
    const account = ['root', String(host)];
    try {
      if (mariadb && host === 'localhost')
        await conn.query(
          'ALTER USER ?@? IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD(?)',
          [...account, password],
        );
      else await conn.query('ALTER USER ?@? IDENTIFIED BY ?', [...account, password]);
    } catch (err) {
      // mariadb-install-db also creates root@<hostname>, which --skip-name-resolve
      // never loads, so it cannot be altered; it would log in without a
      // password the day name resolution is on, so it goes.
      if ((err as { errno?: number }).errno !== 1396) throw err;
      await conn.query('DROP USER ?@?', account);
    }
  }
}

async function main(): Promise<number> {
  const [cmd, ...rest] = process.argv.slice(2);
  const flag = (name: string) => {
    const i = rest.indexOf(name);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  if (cmd === 'status') return (await status()) ? 0 : 1;
  if (cmd === 'mysql-bootstrap') {
    await bootstrap(
      flag('--socket'),
      flag('--secrets') ?? `${dataDir()}/secrets.env`,
      Number(flag('--wait') ?? 60),
    );
    return 0;
  }
  if (cmd === 'temporal' || cmd === 'kafka' || cmd === 'mysql') {
    return (await waitFor(cmd, Number(flag('--wait') ?? 60))) ? 0 : 1;
  }
  console.error(
    'usage: probe.ts temporal|kafka|mysql --wait SECONDS | status | mysql-bootstrap --secrets FILE',
  );
  return 2;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`[infra] ${(err as Error).message}`);
    process.exit(1);
  },
);
