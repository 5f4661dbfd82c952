import type { ChildProcess } from 'node:child_process';
import { expect } from 'vitest';
import { writeFixtureTraffic } from '../../src/erp/fixtures/fixture-traffic';
import type { FixtureWriter } from '../../src/erp/fixtures/fixture-order';
import { loadMapping } from '../../src/erp/query/mapping';
import { MappingQueries } from '../../src/erp/query/mapping-queries';
import { wallClock } from '../../src/erp/query/marker';
import { QueryState } from '../../src/erp/query/query-state';
import type { SqlClient } from '../../src/erp/sql/client';
import { eventually } from './env';
import type { TestPipeline } from './pipeline';
import { targetDiffsFromErp } from '../../src/erp/query/compare-target';

/**
 * The whole pipeline from an ERP fixture through the query source: worker and
 * consumer processes read `mapping` on the ERP `erpUrl`; the fixture writer
 * creates, changes, invoices, credits and cancels orders (one transaction
 * commits late), and the target must end equal to the ERP's current state.
 */
export async function runQueryPipeline(
  p: TestPipeline,
  opts: {
    writer: FixtureWriter;
    reader: SqlClient;
    erpUrl: string;
    mapping: string;
    prefix: string;
  },
): Promise<void> {
  const state = new QueryState(p.app, p.cfg.ORDERSYNC_CURSOR_NAME);
  const env = await queryEnvAtPresent(p, state, opts.mapping, opts.erpUrl);
  const children: ChildProcess[] = [p.start('worker', env), p.start('consumer', env)];
  try {
    await p.schedule();
    await writeAndConverge(p, opts, children);
  } finally {
    for (const c of children) await p.stop(c);
  }
}

/**
 * The environment of worker and consumer processes reading `mapping` through
 * the query source, its watermarks set to the ERP's present first: the
 * fixture tables hold other runs' orders.
 */
export async function queryEnvAtPresent(
  p: TestPipeline,
  state: QueryState,
  mapping: string,
  erpUrl = p.cfg.ORDERSYNC_ERP_URL,
): Promise<Record<string, string>> {
  const now = wallClock(Date.now(), 'UTC');
  for (const scan of ['orders', 'invoices'])
    await state.setWatermark(scan, { marker: now, id: '' });
  return {
    ORDERSYNC_ERP_SOURCE: 'query',
    ORDERSYNC_ERP_URL: erpUrl,
    ORDERSYNC_ERP_MAPPING: mapping,
    ORDERSYNC_ERP_LOOKBACK: '2m',
  };
}

async function writeAndConverge(
  p: TestPipeline,
  opts: { writer: FixtureWriter; reader: SqlClient; mapping: string; prefix: string },
  children: readonly ChildProcess[],
): Promise<void> {
  const orders = await writeFixtureTraffic(opts.writer, 24, opts.prefix);

  const queries = new MappingQueries(opts.reader, loadMapping(opts.mapping));
  const ids = orders.map((o) => o.id);
  let last: string[] = [];
  await eventually(
    async () => {
      for (const c of children)
        if (c.exitCode !== null) throw new Error(`a process exited with ${c.exitCode}`);
      last = await targetDiffsFromErp(queries, p.app, ids);
      return last.length === 0;
    },
    150_000,
    'the target to equal the ERP',
    1000,
  ).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}; still: ${last.slice(0, 5).join('; ')}`);
  });
  expect(await targetDiffsFromErp(queries, p.app, ids)).toEqual([]);
}
