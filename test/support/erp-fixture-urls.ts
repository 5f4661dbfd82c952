import path from 'node:path';
import { resolveEnv } from '../../src/config';
import { withDatabase } from '../../src/db/pool';

/** The repository root, for the shipped mappings. */
export const REPO = path.join(__dirname, '..', '..');

/**
 * The Odoo fixture's test database on PostgreSQL (`odoo_test` + the test
 * suffix), as its writer and its read-only reader. Throws, never skips, when
 * the PostgreSQL ERP accounts are missing.
 */
export function odooTestUrls(): { reader: string; writer: string } {
  const env = resolveEnv();
  const reader = env.ORDERSYNC_ODOO_URL;
  const writer = env.ORDERSYNC_ODOO_WRITER_URL;
  if (!reader || !writer) {
    throw new Error(
      'ORDERSYNC_ODOO_URL and ORDERSYNC_ODOO_WRITER_URL are not set: PostgreSQL is missing. Run `npm run infra -- up`, or scripts/infra/erp-postgres.ts with ORDERSYNC_POSTGRES_ADMIN_URL.',
    );
  }
  const db = `odoo_test${process.env.ORDERSYNC_TEST_DB_SUFFIX ?? ''}`;
  return { reader: withDatabase(reader, db), writer: withDatabase(writer, db) };
}
