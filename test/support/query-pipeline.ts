import type { ChildProcess } from 'node:child_process';
import { expect } from 'vitest';
import { writeFixtureTraffic } from '../../src/erp/fixtures/fixture-traffic';
import type { FixtureOrder, FixtureWriter } from '../../src/erp/fixtures/fixture-order';
import type { Channel } from '../../src/contracts/events';
import { OrderWorkflowClient } from '../../src/temporal/order-workflow-client';
import { waitForNoOpenRun } from '../../src/temporal/schedule';
import { workflowOptionsFromConfig } from '../../src/config/workflow';
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
    /** The ERP's order id of a fixture order, when the ERP numbers its own (default: the fixture id). */
    erpId?: (fixtureId: string) => string;
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
  opts: {
    writer: FixtureWriter;
    reader: SqlClient;
    mapping: string;
    prefix: string;
    erpId?: (fixtureId: string) => string;
  },
  children: readonly ChildProcess[],
): Promise<void> {
  const orders = await writeFixtureTraffic(opts.writer, 24, opts.prefix);

  const queries = new MappingQueries(opts.reader, loadMapping(opts.mapping));
  const ids = orders.map((o) => (opts.erpId ? opts.erpId(o.id) : o.id));
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
  await replayFindsAChange(p, opts.writer, orders[2]!, ids[2]!, queries, children);
}

/**
 * With the poll paused, an order changes in the ERP and an operator replays
 * it: the replay books the new snapshot as the next version, produces it, and
 * the target ends equal to the ERP (the worker's replay publishes through its
 * producer before it applies).
 */
async function replayFindsAChange(
  p: TestPipeline,
  writer: FixtureWriter,
  order: FixtureOrder,
  orderId: string,
  queries: MappingQueries,
  children: readonly ChildProcess[],
): Promise<void> {
  const handle = p.client.schedule.getHandle(p.cfg.ORDERSYNC_SCHEDULE_ID);
  await handle.pause('test: a replay, not the poll, must find the change');
  expect(await waitForNoOpenRun(handle, 60_000)).toBe(true);
  const state = new QueryState(p.app, p.cfg.ORDERSYNC_CURSOR_NAME);
  const before = (await state.orders([orderId])).get(orderId)!;
  order.lines[0]!.qty += 5;
  await writer.updateLines(order);
  const orders = new OrderWorkflowClient(p.client, {
    taskQueue: p.cfg.ORDERSYNC_TASK_QUEUE,
    workflowOptions: workflowOptionsFromConfig(p.cfg),
  });
  await orders.replay(orderId, before.channel as Channel, {});
  await eventually(
    async () => {
      for (const c of children)
        if (c.exitCode !== null) throw new Error(`a process exited with ${c.exitCode}`);
      return (await targetDiffsFromErp(queries, p.app, [orderId])).length === 0;
    },
    60_000,
    'the replay to bring the target to the ERP',
    500,
  );
  const after = (await state.orders([orderId])).get(orderId)!;
  expect(after).toMatchObject({ snapshotVersion: before.lastVersion + 1, acked: true });
  await handle.unpause('test: replay checked');
}
