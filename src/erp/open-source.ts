import path from 'node:path';
import type { Pool } from 'mysql2/promise';
import type { Config } from '../config';
import { CursorRepository } from '../db/cursor-repository';
import type { ErpFeed } from './feed';
import { OutboxFeed } from './outbox/outbox-feed';
import { OutboxSource } from './outbox/outbox-source';
import { createLogger } from '../log';
import { loadMapping } from './query/mapping';
import { zoneShiftMs } from './query/marker';
import { MappingQueries } from './query/mapping-queries';
import { QueryFeed } from './query/query-feed';
import type { QueryFeedOptions } from './query/query-feed';
import { QueryState } from './query/query-state';
import type { OrderHistorySource } from './source';
import type { SqlClient } from './sql/client';
import { connectErp } from './sql/connect';

/** The ERP as configured: what the poll reads, what a replay reads, and how to let go of it. */
export interface ErpConnection {
  kind: Config['ORDERSYNC_ERP_SOURCE'];
  client: SqlClient;
  feed: ErpFeed;
  history: OrderHistorySource;
  /** The query source's pieces, for the `source` and `cursor` commands; absent for the outbox. */
  query?: { queries: MappingQueries; state: QueryState; feed: QueryFeed };
  close(): Promise<void>;
}

const log = createLogger('query-source');

/**
 * Markers in local time repeat an hour when the clocks go back. The poll's
 * watermark never passes the ERP's clock, so the repeated hour is read again,
 * one pass later than usual: in that hour a transaction is caught if it
 * commits within the look-back minus one poll interval (docs/erp-query-source.md).
 */
function warnOfDaylightSaving(timeZone: string): void {
  const shift = zoneShiftMs(timeZone);
  if (shift === 0) return;
  log.warn(
    'change markers are in a time zone with daylight saving time: in the hour after the clocks go back, a transaction is caught only if it commits within the look-back minus one poll interval, and occurredAt of a repeated hour is ambiguous; markers in UTC avoid both',
    { markerTimeZone: timeZone, shiftMinutes: shift / 60_000 },
  );
}

type ErpConfig = Pick<
  Config,
  | 'ORDERSYNC_ERP_SOURCE'
  | 'ORDERSYNC_ERP_URL'
  | 'ORDERSYNC_ERP_MAPPING'
  | 'ORDERSYNC_ERP_LOOKBACK'
  | 'ORDERSYNC_CURSOR_NAME'
>;

/**
 * Connects to the ERP and builds the configured source. ordersync's own books
 * (the cursor, the query source's watermarks and hashes) stay in `appPool`,
 * the target MySQL, whatever the ERP is.
 */
export function openErpSource(
  cfg: ErpConfig,
  appPool: Pool,
  opts: Partial<QueryFeedOptions> & { backfill?: boolean } = {},
): ErpConnection {
  const client = connectErp(cfg.ORDERSYNC_ERP_URL);
  const close = () => client.close();
  if (cfg.ORDERSYNC_ERP_SOURCE === 'outbox') {
    const outbox = new OutboxSource(client);
    const cursors = new CursorRepository(appPool);
    const feed = new OutboxFeed(outbox, cursors, cfg.ORDERSYNC_CURSOR_NAME, () =>
      outbox.highestSeq(),
    );
    return { kind: 'outbox', client, feed, history: outbox, close };
  }
  try {
    const mapping = loadMapping(path.resolve(cfg.ORDERSYNC_ERP_MAPPING!));
    const queries = new MappingQueries(client, mapping);
    warnOfDaylightSaving(mapping.manifest.markerTimeZone);
    const state = new QueryState(appPool, cfg.ORDERSYNC_CURSOR_NAME);
    const feed = new QueryFeed(
      queries,
      state,
      {
        lookbackMs: opts.lookbackMs ?? cfg.ORDERSYNC_ERP_LOOKBACK,
        ...(opts.channel ? { channel: opts.channel } : {}),
        ...(opts.publish ? { publish: opts.publish } : {}),
      },
      opts.backfill ? 'backfill-' : '',
    );
    return { kind: 'query', client, feed, history: feed, query: { queries, state, feed }, close };
  } catch (err) {
    void client.close();
    throw err;
  }
}
