/**
 * `npm run record-histories`: records the workflow histories that
 * test/unit/replay-histories.test.ts replays, from real runs on the local
 * servers (a worker process with the real activities on the test databases).
 * Run it under the shared server lock, and again whenever a deliberate
 * workflow change makes the old histories obsolete:
 *
 *   normal-order             creation, updates and invoice, in order
 *   invoice-waited           the invoice arrives first and waits for its creation
 *   continue-as-new-runN     one order across several runs (maxHistoryEvents 40)
 *   blocked-then-replayed    a poisoned snapshot blocks the order; the ERP is fixed and it is replayed
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { orderEventSchema } from '../../src/contracts/events';
import type { OrderSyncState } from '../../src/contracts/workflow-types';
import { workflowOptionsFromConfig } from '../../src/config';
import { MysqlErpSource } from '../../src/erp/mysql-source';
import { OrderWorkflowClient } from '../../src/temporal/order-workflow-client';
import { eventually } from '../support/env';
import { fixPoisonedOrder } from '../support/erp-fixes';
import { orderHistory, uniqueOrderId } from '../support/order-events';
import { TestPipeline } from '../support/pipeline';
import { HISTORY_ENCRYPTION_KEYS, historyDataConverter } from './data-converter';
import { encodeHistory } from './history-file';
import type { HistoryFile } from './history-file';

const DIR = __dirname;
const log = (m: string) => process.stderr.write(`[record] ${m}\n`);

async function main() {
  const p = await TestPipeline.create('histories');
  const client = new Client({
    connection: p.client.connection,
    namespace: p.cfg.ORDERSYNC_TEMPORAL_NAMESPACE,
    dataConverter: historyDataConverter,
  });
  const orders = (overrides = {}) =>
    new OrderWorkflowClient(client, {
      taskQueue: p.cfg.ORDERSYNC_TASK_QUEUE,
      workflowOptions: { ...workflowOptionsFromConfig(p.cfg), ...overrides },
    });
  const reach = (orderId: string, state: OrderSyncState, o = orders()) =>
    eventually(
      async () => (await o.status(orderId)).state === state,
      120_000,
      `${orderId} ${state}`,
    );
  const recorded: Record<string, HistoryFile> = {};
  /** Every run of the order's workflow, oldest first, as a name → history entry. */
  const save = async (name: string, orderId: string, minRuns = 1) => {
    // Visibility lags a little behind the runs themselves.
    const runs = await eventually(
      async () => {
        const found: { runId: string; startTime: Date }[] = [];
        for await (const wf of client.workflow.list({ query: `WorkflowId = "${orderId}"` }))
          found.push(wf);
        found.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
        return found.length >= minRuns ? found.map((r) => r.runId) : undefined;
      },
      30_000,
      `${minRuns} run(s) of ${orderId} to be listed`,
    );
    // This release closes an invoiced order's run itself: wait for that, so the history is whole.
    const closed = client.workflow.getHandle(orderId).result();
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${orderId} did not close within 60 s`)), 60_000).unref(),
    );
    await Promise.race([closed, timeout]);
    for (const [i, runId] of runs.entries()) {
      const history = await client.workflow.getHandle(orderId, runId).fetchHistory();
      const key = runs.length > 1 ? `${name}-run${i + 1}` : name;
      recorded[key] = encodeHistory(orderId, runId, history);
    }
    log(`${name}: ${runs.length} run(s)`);
  };

  // The worker encrypts with the histories' own key, so the replay test can decode them.
  const worker = p.start('worker', {
    ORDERSYNC_ENCRYPTION: 'on',
    ORDERSYNC_ENCRYPTION_KEYS: HISTORY_ENCRYPTION_KEYS,
  });
  try {
    const normal = uniqueOrderId('HIST-N');
    for (const e of orderHistory(normal, 2)) await orders().deliver(normal, e.channel, [e]);
    await reach(normal, 'invoiced');
    await save('normal-order', normal);

    const waited = uniqueOrderId('HIST-W');
    const events = orderHistory(waited, 1);
    const invoice = events.pop()!;
    await orders().deliver(waited, invoice.channel, [invoice]);
    await eventually(
      async () => (await orders().status(waited)).pending.length === 1,
      60_000,
      'the invoice to wait',
    );
    await orders().deliver(waited, 'online', events);
    await reach(waited, 'invoiced');
    await save('invoice-waited', waited);

    const long = uniqueOrderId('HIST-C');
    const can = orders({ maxHistoryEvents: 40 });
    // One event at a time, each applied before the next, so the history grows past 40 events.
    for (const [i, e] of orderHistory(long, 12).entries()) {
      await can.deliver(long, e.channel, [e]);
      await eventually(
        async () => (await can.status(long)).applied === i + 1,
        60_000,
        `event ${i + 1} of ${long} to be applied`,
      );
    }
    await reach(long, 'invoiced', can);
    await save('continue-as-new', long, 2);

    const prefix = `HIST-B-${p.runId.replace(/[^A-Za-z0-9]/g, '').slice(-8)}`;
    const sim = await p.simulate({ orders: 1, poisonOrders: 1, prefix, concurrency: 1 });
    const blocked = sim.orderIds[0]!;
    const erpEvents = await new MysqlErpSource(p.reader).fetchOrderEvents(blocked, 1, 1000);
    const parsed = erpEvents.map(({ seq: _seq, ...e }) => orderEventSchema.parse(e));
    await orders().deliver(blocked, parsed[0]!.channel, parsed);
    await reach(blocked, 'blocked');
    await fixPoisonedOrder(p.writer, blocked);
    await orders().replay(blocked, parsed[0]!.channel, {});
    await p.converge(prefix, 120_000, 'the replayed order to equal the ERP');
    await save('blocked-then-replayed', blocked);
  } finally {
    await p.stop(worker);
    await p.close();
  }

  mkdirSync(DIR, { recursive: true });
  for (const f of readdirSync(DIR)) if (f.endsWith('.json')) rmSync(path.join(DIR, f));
  for (const [name, entry] of Object.entries(recorded))
    writeFileSync(path.join(DIR, `${name}.json`), `${JSON.stringify(entry, null, 1)}\n`);
  log(`wrote ${Object.keys(recorded).length} histories to ${path.relative(process.cwd(), DIR)}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
