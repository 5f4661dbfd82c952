import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Pool } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/migrate';
import { createPool } from '../../src/db/pool';
import { testEnv } from '../support/env';
import {
  MAGENTO_MAPPING,
  SHOPWARE_MAPPING,
  SHOP_MAPPING,
  WOOCOMMERCE_MAPPING,
  installTargetFixture,
} from '../support/target-fixture';

// Issue 25, section 3: a mapping that does not fit the schema refuses start-up
// (exit 78, the file and the column named), and `ordersync target check` runs
// every statement in a rolled-back transaction, exit 0 only when all succeed.

const { cfg, env } = testEnv('tstart');
const BIN = path.join(__dirname, '../../bin/ordersync');
let migrator: Pool;

/** A mapping (the Magento one unless `from` says) copied, with `edit` applied to one file. */
function mappingWith(file: string, edit: (sql: string) => string, from = MAGENTO_MAPPING): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ordersync-mapping-'));
  cpSync(from, dir, { recursive: true });
  writeFileSync(path.join(dir, file), edit(readFileSync(path.join(dir, file), 'utf8')));
  return dir;
}

async function ordersync(args: string[], mapping: string): Promise<{ code: number; out: string }> {
  try {
    const r = await promisify(execFile)(process.execPath, [BIN, ...args], {
      env: {
        ...env,
        ORDERSYNC_TARGET: 'sql',
        ORDERSYNC_TARGET_MAPPING: mapping,
        ORDERSYNC_METRICS_ADDRESS: 'off',
      },
      timeout: 60_000,
    });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: Number(e.code), out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

beforeAll(async () => {
  migrator = createPool(cfg.ORDERSYNC_MYSQL_MIGRATE_URL!, { connectionLimit: 1 });
  await migrate(migrator);
  await installTargetFixture(cfg, MAGENTO_MAPPING);
  await installTargetFixture(cfg, WOOCOMMERCE_MAPPING);
  await installTargetFixture(cfg, SHOPWARE_MAPPING);
  await installTargetFixture(cfg, SHOP_MAPPING);
});
afterAll(async () => migrator?.end());

describe('a target mapping checked against the real schema', () => {
  it('target check runs every statement for every event type and exits 0 for the Magento mapping', async () => {
    const r = await ordersync(['target', 'check'], MAGENTO_MAPPING);
    expect(r.out).toContain('ok   order_creation v1');
    expect(r.out).toContain('ok   invoice_creation v4 (credit_note)');
    expect(r.out).toContain('ok   read order');
    expect(r.out).not.toContain('FAIL');
    expect(r.code).toBe(0);
  });

  it('target check exits 0 for the WooCommerce mapping: EAV line meta, addresses per kind, refunds as child orders', async () => {
    const r = await ordersync(['target', 'check'], WOOCOMMERCE_MAPPING);
    expect(r.out).toContain('ok   order_updation v2');
    expect(r.out).toContain('ok   invoice_creation v3 (invoice)');
    expect(r.out).toContain('ok   invoice_creation v4 (credit_note)');
    expect(r.out).toContain('ok   read order');
    expect(r.out).not.toContain('FAIL');
    expect(r.code).toBe(0);
  });

  it('target check exits 0 for the Shopware 6 mapping: binary ids, composite versioned keys, JSON prices, state and document FKs', async () => {
    const r = await ordersync(['target', 'check'], SHOPWARE_MAPPING);
    expect(r.out).toContain('ok   invoice_creation v4 (credit_note)');
    expect(r.out).toContain('ok   read order: 1 line(s), 2 invoice(s), equal to the sample');
    expect(r.out).not.toContain('FAIL');
    expect(r.code).toBe(0);
  });

  it('target check compares the read back with the sample: a read_order.sql that maps a field wrongly fails, naming the field, not its value', async () => {
    const wrong = mappingWith(
      'read_order.sql',
      (sql) =>
        sql.replace("WHEN 'in_progress' THEN 'confirmed'", "WHEN 'in_progress' THEN 'pending'"),
      SHOPWARE_MAPPING,
    );
    const r = await ordersync(['target', 'check'], wrong);
    expect(r.out).toContain('ok   order_updation v2: written');
    expect(r.out).toContain('FAIL read order: read back unlike the sample: status differs');
    expect(r.out).not.toContain('pending');
    expect(r.code).toBe(1);
  });

  it('target check finds two amounts read back swapped: the sample amounts are distinct and non-zero', async () => {
    const swapped = mappingWith(
      'read_order.sql',
      (sql) =>
        sql
          .replace('AS `taxTotal`', 'AS `swap`')
          .replace('AS `shippingTotal`', 'AS `taxTotal`')
          .replace('AS `swap`', 'AS `shippingTotal`'),
      SHOPWARE_MAPPING,
    );
    const r = await ordersync(['target', 'check'], swapped);
    expect(r.out).toMatch(/FAIL read order: read back unlike the sample: .*taxTotal differs/);
    expect(r.out).toMatch(/FAIL read order: .*shippingTotal differs/);
    expect(r.code).toBe(1);
  });

  it('target check finds a weighed quantity lost in an INT column: strict mode rounds it without an error, the read back differs', async () => {
    // The made-up shop schema binds :line.qty straight into order_line.quantity INT.
    const r = await ordersync(['target', 'check'], SHOP_MAPPING);
    expect(r.out).toContain('ok   order_updation v2: written');
    expect(r.out).toContain('FAIL read order: read back unlike the sample: line 1 differs (qty)');
    expect(r.code).toBe(1);
  });

  it('a worker against a mapping naming a missing column refuses to start: exit 78, the file and the column', async () => {
    const broken = mappingWith('replace_lines.sql', (sql) =>
      sql.replace('qty_ordered,', 'qty_wished,'),
    );
    const r = await ordersync(['worker'], broken);
    expect(r.code).toBe(78);
    expect(r.out).toContain('replace_lines.sql');
    expect(r.out).toContain('qty_wished');
    const check = await ordersync(['target', 'check'], broken);
    expect(check.code).toBe(1);
    expect(check.out).toMatch(
      /FAIL order_creation v1: replace_lines\.sql .*ER_BAD_FIELD_ERROR.*qty_wished/,
    );
  });

  it('an unknown parameter fails start-up naming the file, line and column of the name', async () => {
    const typo = mappingWith('upsert_order.sql', (sql) =>
      sql.replace(':customer.email', ':customer.emial'),
    );
    const r = await ordersync(['worker'], typo);
    expect(r.code).toBe(78);
    expect(r.out).toMatch(/upsert_order\.sql:\d+:\d+: unknown parameter :customer\.emial/);
  });
});
