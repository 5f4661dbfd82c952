import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
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
let worker: ObservedProcess | undefined;
let drop: (() => Promise<void>) | undefined;
afterAll(async () => {
  if (worker) await stopProcess(worker.child);
  await drop?.();
  rmSync(dir, { recursive: true, force: true });
});

describe('a running worker with the Magento mapping', () => {
  it('answers /readyz 503 naming the statement when a mapped column disappears', async () => {
    const scratch = await scratchDatabase(cfg, 'ready');
    drop = scratch.drop;
    const migrator = createPool(scratch.migrateUrl, { connectionLimit: 1 });
    try {
      await migrate(migrator);
      await installMappingFixture(scratch.migrateUrl, MAGENTO_MAPPING);
      worker = await startObserved(
        'worker',
        {
          ...env,
          ORDERSYNC_MYSQL_URL: scratch.appUrl,
          ORDERSYNC_TARGET: 'sql',
          ORDERSYNC_TARGET_MAPPING: MAGENTO_MAPPING,
        },
        dir,
        'target-ready-worker',
      );
      const w = worker;
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
      await migrator.query('ALTER TABLE sales_order DROP COLUMN total_item_count');
      const down = await answer(503, 'readiness to report the missing column');
      expect(down.body).toMatchObject({ checks: { target: { ok: false } } });
      expect(JSON.stringify(down.body)).toContain('upsert_order.sql');
      expect(JSON.stringify(down.body)).toContain('total_item_count');
    } finally {
      await migrator.end();
    }
  }, 180_000);
});
