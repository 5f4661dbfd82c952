import path from 'node:path';
import pg from 'pg';
import type { Pool } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureOrders } from '../../src/erp/fixtures/fixture-order';
import { OdooWriter } from '../../src/erp/fixtures/odoo-writer';
import { loadMapping } from '../../src/erp/query/mapping';
import { MappingQueries } from '../../src/erp/query/mapping-queries';
import { QueryState } from '../../src/erp/query/query-state';
import { PgSqlClient } from '../../src/erp/sql/pg-client';
import { QueryErpSide } from '../../src/reconcile/adapters/query-erp';
import type { ReconcileTargetSide } from '../../src/reconcile/ports';
import { everyOrderSweep } from '../../src/reconcile/sweep';
import { testEnv } from '../support/env';
import { REPO, odooTestUrls, openAppPool } from '../support/query-source';

// The query source's reconcile side over the Odoo fixture on PostgreSQL, with
// the mapping's all_orders.sql ordering names as an Odoo database created
// under an en_US locale does (case and punctuation weigh less than letters
// and digits), not byte by byte as the test database's C collation and the
// target's utf8mb4_bin do.
const urls = odooTestUrls();
const COLLATE = 'COLLATE "en-US-x-icu"';
let writer: OdooWriter;
let reader: PgSqlClient;
let app: Pool;
let side: QueryErpSide;

beforeAll(async () => {
  writer = new OdooWriter(new pg.Pool({ connectionString: urls.writer, max: 2 }));
  await writer.init();
  reader = PgSqlClient.fromUrl(urls.reader);
  app = await openAppPool(testEnv('rqpg').cfg);
  const odoo = loadMapping(path.join(REPO, 'mappings', 'odoo'));
  const allOrders = odoo.sql
    .allOrders!.replace('so.name > :after_id', `so.name ${COLLATE} > :after_id`)
    .replace('ORDER BY so.name', `ORDER BY so.name ${COLLATE}`);
  expect(allOrders).toContain(`ORDER BY so.name ${COLLATE}`);
  const mapping = { ...odoo, sql: { ...odoo.sql, allOrders } };
  side = new QueryErpSide(new MappingQueries(reader, mapping), new QueryState(app, 'rqpg'));
});

afterAll(async () => {
  await reader?.close();
  await writer?.close();
  await app?.end();
});

describe('reconciling the query source on PostgreSQL under a locale collation', () => {
  const stamp = Date.now().toString(36).toUpperCase();
  const prefix = `RQPG-${stamp}-`;
  // Mixed case, dashes and numeric-looking ids; the last is outside the prefix.
  const ids = ['A1', 'A-2', 'A3', '9', '10', 'b4'].map((s) => `${prefix}${s}`);
  const outside = `rqpg-${stamp.toLowerCase()}-a2`;

  beforeAll(async () => {
    const orders = fixtureOrders(ids.length + 1, prefix);
    for (const [i, o] of orders.entries())
      await writer.createOrder({ ...o, id: ids[i] ?? outside });
  });

  it('lists every id under a prefix, though the collation sorts other ids among them', async () => {
    const listed = await side.orderIdsAfter(`RQPG-${stamp}`, 100, {});
    const mine = listed.filter((id) => ids.includes(id) || id === outside);
    // The setup means something: the ERP's order is not the byte order, and
    // the id outside the prefix falls among the prefix's ids.
    expect(mine).not.toEqual([...mine].sort());
    expect(mine.indexOf(outside)).toBeGreaterThan(0);
    expect(mine.indexOf(outside)).toBeLessThan(mine.length - 1);
    for (const limit of [1, 2, 100]) {
      const got: string[] = [];
      let after: string | null = null;
      for (;;) {
        const page = await side.orderIdsAfter(after, limit, { idPrefix: prefix });
        got.push(...page);
        if (page.length < limit) break;
        after = page.at(-1)!;
      }
      expect(got.sort(), `pages of ${limit}`).toEqual([...ids].sort());
    }
  });

  it('finds no drift against a target in sync that pages its ids byte by byte', async () => {
    // The target holds exactly what the ERP holds, listed in utf8mb4_bin's order.
    const stored = [...ids].sort();
    const target: ReconcileTargetSide = {
      readOrders: (wanted) => side.readOrders(wanted),
      orderIdsAfter: (after, limit) =>
        Promise.resolve(stored.filter((id) => after === null || id > after).slice(0, limit)),
    };
    const r = await everyOrderSweep({ erp: side, target }, { idPrefix: prefix }, 2);
    expect(r.checked).toBe(ids.length);
    expect(r.drift).toEqual([]);
  });
});
