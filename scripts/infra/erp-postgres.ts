/**
 * The ERP side of the local PostgreSQL: the Odoo fixture databases and their
 * accounts, for the odoo mapping's tests and `npm run demo -- --erp odoo`.
 * `scripts/infra.sh up` runs it once PostgreSQL is up; it is idempotent.
 *
 *   erp-postgres.ts [--secrets FILE] [--suffix _name]
 *
 * Connects with ORDERSYNC_POSTGRES_ADMIN_URL (from the environment or the
 * secrets file) and creates:
 *   odoo<suffix>, odoo_test<suffix>   the fixture database and its test twin
 *   odoo_writer<suffix>               owner of both (the fixture writer)
 *   odoo_reader<suffix>               CONNECT and SELECT only, read-only sessions (the poll)
 * Passwords are generated once and kept in the secrets file (mode 600), with
 * ORDERSYNC_ODOO_URL (the reader) and ORDERSYNC_ODOO_WRITER_URL.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, existsSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { dataDir, parseEnvFile } from '../../src/config';
import { withDatabase } from '../../src/db/pool';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const secretsFile = flag('--secrets') ?? `${dataDir()}/secrets.env`;
  const suffix = flag('--suffix') ?? '';
  if (!/^[a-z0-9_]*$/.test(suffix))
    throw new Error(`--suffix ${suffix}: lower-case letters, digits and _ only`);
  const existing = existsSync(secretsFile) ? parseEnvFile(readFileSync(secretsFile, 'utf8')) : {};
  const adminUrl =
    process.env.ORDERSYNC_POSTGRES_ADMIN_URL ?? existing.ORDERSYNC_POSTGRES_ADMIN_URL;
  if (!adminUrl)
    throw new Error(
      'ORDERSYNC_POSTGRES_ADMIN_URL is not set (the environment or the secrets file)',
    );

  const added: string[] = [];
  const password = (role: string): string => {
    const key = `ORDERSYNC_LOCAL_${role.toUpperCase()}_PASSWORD`;
    if (existing[key] === undefined) {
      existing[key] = randomBytes(18).toString('base64url');
      added.push(`${key}=${existing[key]}`);
    }
    return existing[key];
  };
  const reader = `odoo_reader${suffix}`;
  const writer = `odoo_writer${suffix}`;
  const databases = [`odoo${suffix}`, `odoo_test${suffix}`];
  // Saved before they are set, so an interrupted run never loses a password.
  const passwords = { [reader]: password(reader), [writer]: password(writer) };
  appendSecrets(secretsFile, added.splice(0));

  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    for (const [role, pw] of Object.entries(passwords)) {
      const found = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
      const verb = found.rowCount ? 'ALTER' : 'CREATE';
      await admin.query(
        `${verb} ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${admin.escapeLiteral(pw)}`,
      );
    }
    // Every session of the reader is read-only, whatever it tries.
    await admin.query(`ALTER ROLE ${reader} SET default_transaction_read_only = on`);
    for (const db of databases) {
      const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [db]);
      if (!found.rowCount)
        await admin.query(`CREATE DATABASE ${db} OWNER ${writer} ENCODING 'UTF8'`);
      await admin.query(`REVOKE ALL ON DATABASE ${db} FROM PUBLIC`);
      await admin.query(`GRANT CONNECT ON DATABASE ${db} TO ${reader}, ${writer}`);
      const inDb = new pg.Client({ connectionString: withDatabase(adminUrl, db) });
      await inDb.connect();
      try {
        await inDb.query(`ALTER SCHEMA public OWNER TO ${writer}`);
        await inDb.query(`GRANT USAGE ON SCHEMA public TO ${reader}`);
        await inDb.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${reader}`);
        await inDb.query(
          `ALTER DEFAULT PRIVILEGES FOR ROLE ${writer} IN SCHEMA public GRANT SELECT ON TABLES TO ${reader}`,
        );
      } finally {
        await inDb.end();
      }
    }
  } finally {
    await admin.end();
  }
  const admin_ = new URL(adminUrl);
  const url = (role: string) => {
    const u = new URL(`postgres://${admin_.host}/${databases[0]}`);
    u.username = role;
    u.password = passwords[role]!;
    return u.toString();
  };
  appendSecrets(secretsFile, [
    ...(existing.ORDERSYNC_ODOO_URL ? [] : [`ORDERSYNC_ODOO_URL=${url(reader)}`]),
    ...(existing.ORDERSYNC_ODOO_WRITER_URL ? [] : [`ORDERSYNC_ODOO_WRITER_URL=${url(writer)}`]),
  ]);
  console.error(
    `[infra] postgres ERP ready: databases ${databases.join(', ')}; credentials in ${secretsFile}`,
  );
}

/** Appends lines to the secrets file (created with mode 600); existing entries are never rewritten. */
function appendSecrets(file: string, lines: string[]): void {
  if (lines.length === 0) return;
  appendFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

main().catch((err: unknown) => {
  console.error(`[infra] postgres ERP setup failed: ${(err as Error).message}`);
  process.exit(1);
});
