import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { stopProcess } from '../../src/cli/processes';
import { migrate } from '../../src/db/migrate';
import { createPool } from '../../src/db/pool';
import { installMappingFixture } from '../../src/target/demo-targets';
import { eventually, testEnv } from '../support/env';
import { probe, startObserved } from '../support/observed-process';
import type { ObservedProcess } from '../support/observed-process';
import { scratchDatabase } from '../support/scratch-database';
import { MAGENTO_MAPPING } from '../support/target-fixture';

// Issue 25, section 3: the schema changes under a running worker; /readyz says so.
const dir = mkdtempSync(path.join(tmpdir(), 'ordersync-target-ready-'));
const { env, cfg } = testEnv('tready');
const workers: ObservedProcess[] = [];
const drops: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const w of workers) await stopProcess(w.child);
  for (const drop of drops) await drop();
  rmSync(dir, { recursive: true, force: true });
});

// PREPARE alone misses the second case: MariaDB resolves an INSERT … SELECT's
// column list only when it runs (sales_order_item.discount_amount is named only there).
const CASES = [
  { table: 'sales_order', column: 'total_item_count', file: 'upsert_order.sql' },
  { table: 'sales_order_item', column: 'discount_amount', file: 'replace_lines.sql' },
] as const;

describe('a running worker with the Magento mapping', () => {
  for (const [i, { table, column, file }] of CASES.entries()) {
    it(`answers /readyz 503 naming ${file} and ${column} when ${table}.${column} disappears, writing nothing`, async () => {
      const scratch = await scratchDatabase(cfg, `ready${i}`);
      drops.push(scratch.drop);
      const migrator = createPool(scratch.migrateUrl, { connectionLimit: 1 });
      try {
        await migrate(migrator);
        await installMappingFixture(scratch.migrateUrl, MAGENTO_MAPPING);
        const w = await startObserved(
          'worker',
          {
            ...env,
            ORDERSYNC_MYSQL_URL: scratch.appUrl,
            ORDERSYNC_TARGET: 'sql',
            ORDERSYNC_TARGET_MAPPING: MAGENTO_MAPPING,
          },
          dir,
          `target-ready-worker-${i}`,
        );
        workers.push(w);
        const answer = (status: number, what: string) =>
          eventually(
            async () => {
              const r = await probe(`${w.url}/readyz`);
              return r.status === status ? r : undefined;
            },
            120_000,
            what,
          );
        const ready = await answer(200, 'the worker to be ready');
        expect(ready.body).toMatchObject({ checks: { target: { ok: true, detail: 'sql' } } });
        await migrator.query(`ALTER TABLE ${table} DROP COLUMN ${column}`);
        const down = await answer(503, 'readiness to report the missing column');
        expect(down.body).toMatchObject({ checks: { target: { ok: false } } });
        expect(JSON.stringify(down.body)).toContain(file);
        expect(JSON.stringify(down.body)).toContain(column);
        // The probes ran every statement's check and left no row behind.
        const [rows] = await migrator.query<RowDataPacket[]>(
          'SELECT (SELECT COUNT(*) FROM sales_order) + (SELECT COUNT(*) FROM sales_order_item) AS n',
        );
        expect(Number(rows[0]?.n)).toBe(0);
      } finally {
        await migrator.end();
      }
    }, 180_000);
  }
});
