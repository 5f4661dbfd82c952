import type { Pool, RowDataPacket } from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/migrate';
import { MigrationRefusedError } from '../../src/db/migration-errors';
import { createPool } from '../../src/db/pool';
import { checkSchemaVersion } from '../../src/db/schema-version';
import { testEnv } from '../support/env';
import { scratchDatabase } from '../support/scratch-database';

// Issue 25, section 3: migrate serialises concurrent runs, never adopts a table
// it did not create, and records the schema version the worker checks.
const { cfg } = testEnv('migsafe');
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

async function fresh(suffix: string): Promise<{ migrator: Pool; app: Pool }> {
  const s = await scratchDatabase(cfg, suffix);
  const migrator = createPool(s.migrateUrl, { connectionLimit: 2 });
  const app = createPool(s.appUrl, { connectionLimit: 1 });
  cleanups.push(async () => {
    await migrator.end();
    await app.end();
    await s.drop();
  });
  return { migrator, app };
}

describe('migrate on the real server', () => {
  it('two runs at once serialise on the named lock: each file is applied once', async () => {
    const { migrator, app } = await fresh('mig2');
    const [r1, r2] = await Promise.all([migrate(migrator), migrate(migrator)]);
    const applied = [...r1.applied, ...r2.applied].sort();
    expect(applied).toEqual([...new Set(applied)]);
    expect(Math.min(r1.applied.length, r2.applied.length)).toBe(0);
    expect(r1.version).toBe(r2.version);
    const [rows] = await app.query<RowDataPacket[]>('SELECT name FROM ordersync_schema_migrations');
    expect(rows).toHaveLength(applied.length);
    expect(await checkSchemaVersion(app)).toMatchObject({ ok: true, version: r1.version });
  });

  it("refuses to adopt a commerce schema's own orders table, naming it, and creates nothing", async () => {
    const { migrator } = await fresh('migforeign');
    await migrator.query('CREATE TABLE orders (id INT PRIMARY KEY, note VARCHAR(10))');
    const err = await migrate(migrator).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationRefusedError);
    expect((err as Error).message).toContain('`orders`');
    const [tables] = await migrator.query<RowDataPacket[]>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name IN ('invoices', 'applied_events')",
    );
    expect(tables).toHaveLength(0);
  });
});
