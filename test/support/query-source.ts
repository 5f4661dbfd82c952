import type { Pool } from 'mysql2/promise';
import { expect } from 'vitest';
import type { Config } from '../../src/config';
import { orderEventSchema } from '../../src/contracts/events';
import { migrate } from '../../src/db/migrate';
import { createPool } from '../../src/db/pool';
import type { ErpFeed } from '../../src/erp/feed';
import { loadMapping } from '../../src/erp/query/mapping';
import { MappingQueries } from '../../src/erp/query/mapping-queries';
import { QueryFeed } from '../../src/erp/query/query-feed';
import type { Publish } from '../../src/erp/query/query-feed';
import { QueryState } from '../../src/erp/query/query-state';
import type { ErpEvent } from '../../src/erp/source';
import type { SqlClient, SqlParams } from '../../src/erp/sql/client';

export { REPO, odooTestUrls } from './erp-fixture-urls';

/** The migrated app database of `cfg`, where the query source keeps its books. */
export async function openAppPool(cfg: Config): Promise<Pool> {
  const migrator = createPool(cfg.ORDERSYNC_MYSQL_MIGRATE_URL!, { connectionLimit: 1 });
  await migrate(migrator);
  await migrator.end();
  return createPool(cfg.ORDERSYNC_MYSQL_URL, { connectionLimit: 2 });
}

/** A query feed over `client` with the mapping in `mappingDir`, its books under `name`. */
export function queryFeed(
  client: SqlClient,
  mappingDir: string,
  app: Pool,
  name: string,
  lookbackMs = 15 * 60_000,
  publish?: Publish,
): QueryFeed {
  return new QueryFeed(
    new MappingQueries(client, loadMapping(mappingDir)),
    new QueryState(app, name),
    { lookbackMs, ...(publish ? { publish } : {}) },
  );
}

/** A backfill feed over `client` (no look-back, its own keyset from `since`), its books under `name`. */
export async function backfillFeed(
  client: SqlClient,
  mappingDir: string,
  app: Pool,
  name: string,
  since: string,
): Promise<QueryFeed> {
  const state = new QueryState(app, name);
  for (const scan of ['backfill-orders', 'backfill-invoices'])
    await state.setWatermark(scan, { marker: since, id: '' });
  return new QueryFeed(
    new MappingQueries(client, loadMapping(mappingDir)),
    state,
    { lookbackMs: 0 },
    'backfill-',
  );
}

/**
 * `client`, except that the first time `when` holds for a statement and its
 * parameters, its rows are returned only after `hold` resolves: a read that
 * happened, held back before its result is used.
 */
export function heldClient(
  client: SqlClient,
  when: (sql: string, params: SqlParams) => boolean,
  hold: () => Promise<void>,
): SqlClient {
  let held = false;
  return {
    dialect: client.dialect,
    query: async (sql, params = {}) => {
      const rows = await client.query(sql, params);
      if (!held && when(sql, params)) {
        held = true;
        await hold();
      }
      return rows;
    },
    close: () => Promise.resolve(),
  };
}

/**
 * Reads the feed until it has caught up, committing each page as the poll
 * does after Kafka acknowledged it; every event must pass the contract.
 */
export async function drain(feed: ErpFeed, pageSize = 50): Promise<ErpEvent[]> {
  const out: ErpEvent[] = [];
  for (let i = 0; i < 1000; i++) {
    const page = await feed.next(pageSize);
    for (const e of page.events) {
      const { seq: _seq, ...event } = e;
      const parsed = orderEventSchema.safeParse(event);
      expect(parsed.error?.issues ?? [], `${e.eventId} of ${e.orderId}`).toEqual([]);
    }
    out.push(...page.events);
    await page.commit();
    if (!page.full) return out;
  }
  throw new Error('the feed never caught up');
}

/** The events of one order, as `type vN`. */
export function historyOf(events: readonly ErpEvent[], orderId: string): string[] {
  return events.filter((e) => e.orderId === orderId).map((e) => `${e.type} v${e.erpVersion}`);
}
