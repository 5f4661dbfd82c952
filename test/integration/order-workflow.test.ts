import path from 'node:path';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Activities } from '../../activities';
import type { OrderEvent } from '../../src/contracts/events';
import { eventBytes } from '../../src/contracts/workflow-types';
import type { ApplyInput, ApplyResult, EventOutcome } from '../../src/contracts/workflow-types';
import {
  eventsSignal,
  orderSyncWorkflow,
  replaySignal,
  statusQuery,
} from '../../workflows/order-sync';
import { createTemporalClient } from '../../src/temporal/connection';
import { createDataConverter, FAILURE_CONVERTER_PATH } from '../../src/temporal/data-converter';
import { eventually, testEnv } from '../support/env';
import { orderHistory, uniqueOrderId } from '../support/order-events';

// The workflow's ordering rules, on the real local Temporal server, with the
// MySQL activities replaced by an in-memory target that enforces the same rules.
const { cfg } = testEnv('wf');
const taskQueue = cfg.ORDERSYNC_TASK_QUEUE;

interface FakeOrder {
  version: number;
  lastType: OrderEvent['type'];
  invoiced: boolean;
}
const db = new Map<string, FakeOrder>();
const ledger: Array<{ orderId: string; eventId: string; version: number }> = [];
const erp = new Map<string, OrderEvent[]>();
const deadLettered: Array<{ orderId: string; events: OrderEvent[]; reason: string }> = [];
let inFlight = 0;
let maxInFlight = 0;

function fakeActivities(): Pick<
  Activities,
  'applyOrderEvents' | 'readOrderEventsFromErp' | 'pollErpToKafka' | 'deadLetterHeldEvents'
> {
  return {
    async applyOrderEvents(input: ApplyInput): Promise<ApplyResult> {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 20));
      const outcomes: EventOutcome[] = [];
      const supersede = new Set(input.supersede ?? []);
      for (const e of input.events) {
        const row = db.get(input.orderId);
        if (ledger.some((l) => l.eventId === e.eventId))
          outcomes.push({ eventId: e.eventId, outcome: 'skipped', reason: 'duplicate' });
        else if (supersede.has(e.eventId))
          outcomes.push({ eventId: e.eventId, outcome: 'skipped', reason: 'superseded' });
        else if (e.type === 'invoice_creation' && !row)
          outcomes.push({ eventId: e.eventId, outcome: 'deferred' });
        else if (row && row.version >= e.erpVersion)
          outcomes.push({ eventId: e.eventId, outcome: 'skipped', reason: 'stale' });
        else if (e.type !== 'invoice_creation' && e.data.total === '666.00') {
          outcomes.push({ eventId: e.eventId, outcome: 'rejected', error: 'poison total' });
          break;
        } else {
          db.set(input.orderId, {
            version: e.erpVersion,
            lastType: e.type,
            invoiced: (row?.invoiced ?? false) || e.type === 'invoice_creation',
          });
          ledger.push({ orderId: input.orderId, eventId: e.eventId, version: e.erpVersion });
          outcomes.push({ eventId: e.eventId, outcome: 'applied' });
        }
      }
      inFlight--;
      const row = db.get(input.orderId);
      return {
        outcomes,
        order: {
          exists: !!row,
          erpVersion: row?.version ?? 0,
          lastEventType: row?.lastType ?? null,
          invoiced: row?.invoiced ?? false,
        },
      };
    },
    async readOrderEventsFromErp({ orderId, fromVersion }) {
      return {
        events: (erp.get(orderId) ?? []).filter((e) => e.erpVersion >= fromVersion),
        invalid: [],
      };
    },
    async deadLetterHeldEvents({ orderId, events, reason }) {
      deadLettered.push({ orderId, events, reason });
      return events.length;
    },
    async pollErpToKafka() {
      throw new Error('not used by these tests');
    },
  };
}

let client: Client;
let worker: Worker;
let running: Promise<void>;
let bundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  bundle = await bundleWorkflowCode({
    workflowsPath: path.join(__dirname, '..', '..', 'workflows', 'index.ts'),
    failureConverterPath: FAILURE_CONVERTER_PATH,
  });
  client = await createTemporalClient(cfg);
  const { NativeConnection } = await import('@temporalio/worker');
  worker = await Worker.create({
    connection: await NativeConnection.connect({ address: cfg.ORDERSYNC_TEMPORAL_ADDRESS }),
    namespace: cfg.ORDERSYNC_TEMPORAL_NAMESPACE,
    taskQueue,
    workflowBundle: bundle,
    dataConverter: createDataConverter(cfg),
    activities: fakeActivities(),
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await client?.connection.close();
});

const deliver = (orderId: string, events: OrderEvent[], options = {}) =>
  client.workflow.signalWithStart(orderSyncWorkflow, {
    workflowId: orderId,
    taskQueue,
    args: [{ orderId, channel: 'online', options }],
    signal: eventsSignal,
    signalArgs: [events],
  });

const status = (orderId: string) => client.workflow.getHandle(orderId).query(statusQuery);
const versionsOf = (orderId: string) =>
  ledger.filter((l) => l.orderId === orderId).map((l) => l.version);

describe('orderSyncWorkflow', () => {
  it('applies one order strictly in sequence, never two applies at once, across many signals', async () => {
    const orderId = uniqueOrderId();
    const events = orderHistory(orderId, 4);
    maxInFlight = 0;
    // One signal per event, in partition order, as fast as the client can send them.
    for (const e of events) await deliver(orderId, [e]);
    await eventually(async () => (await status(orderId)).state === 'invoiced', 30_000, 'invoiced');
    expect(versionsOf(orderId)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(maxInFlight).toBe(1);
    const s = await status(orderId);
    expect(s).toMatchObject({ applied: 6, pending: [], lastError: null, erpVersion: 6 });
  });

  it('ignores duplicate deliveries of the same event', async () => {
    const orderId = uniqueOrderId();
    const events = orderHistory(orderId, 1);
    await deliver(orderId, events);
    await deliver(orderId, events);
    await eventually(async () => (await status(orderId)).state === 'invoiced', 30_000, 'invoiced');
    await deliver(orderId, [events[0]!]);
    const s = await eventually(
      async () => {
        const st = await status(orderId);
        return st.skipped >= 4 ? st : undefined;
      },
      30_000,
      'duplicates counted',
    );
    expect(s.applied).toBe(3);
    expect(versionsOf(orderId)).toEqual([1, 2, 3]);
  });

  it('holds an invoice that arrives first until its order is created', async () => {
    const orderId = uniqueOrderId();
    const [create, invoice] = orderHistory(orderId, 0) as [OrderEvent, OrderEvent];
    await deliver(orderId, [invoice]);
    await eventually(
      async () => (await status(orderId)).pending.length === 1,
      30_000,
      'invoice pending',
    );
    expect((await status(orderId)).state).toBe('new');
    await deliver(orderId, [create]);
    await eventually(async () => (await status(orderId)).state === 'invoiced', 30_000, 'invoiced');
    expect(versionsOf(orderId)).toEqual([1, 2]);
  });

  it('blocks the order when an invoice waits longer than the configured bound', async () => {
    const orderId = uniqueOrderId();
    const invoice = orderHistory(orderId, 0)[1]!;
    await deliver(orderId, [invoice], { invoiceWaitMs: 1500 });
    const s = await eventually(
      async () => {
        const st = await status(orderId);
        return st.state === 'blocked' ? st : undefined;
      },
      30_000,
      'blocked',
    );
    expect(s.lastError).toMatch(/never arrived/);
    expect(s.pending.map((p) => p.eventId)).toEqual([invoice.eventId]);
  });

  it('blocks only the poisoned order, holds its later events, and a replay of corrected ERP data unblocks it', async () => {
    const orderId = uniqueOrderId();
    const healthy = uniqueOrderId();
    const [create, update, invoice] = orderHistory(orderId, 1) as [
      OrderEvent,
      OrderEvent & { data: { total: string } },
      OrderEvent,
    ];
    const poisoned = { ...update, data: { ...update.data, total: '666.00' } } as OrderEvent;
    await deliver(orderId, [create, poisoned]);
    await deliver(healthy, orderHistory(healthy, 1));
    await eventually(async () => (await status(orderId)).state === 'blocked', 30_000, 'blocked');
    await deliver(orderId, [invoice]);
    await eventually(
      async () => (await status(healthy)).state === 'invoiced',
      30_000,
      'other order proceeds',
    );
    const blocked = await status(orderId);
    expect(blocked.pending.map((p) => p.erpVersion)).toEqual([2, 3]);
    expect(versionsOf(orderId)).toEqual([1]);

    // The ERP fixes the order with a new update (v3) and invoices it (v4).
    const fixed = { ...update, eventId: `${update.eventId}-fix`, erpVersion: 3 } as OrderEvent;
    const reinvoice = { ...invoice, erpVersion: 4 };
    erp.set(orderId, [create, poisoned, fixed, reinvoice]);
    await client.workflow.getHandle(orderId).signal(replaySignal, {});
    const s = await eventually(
      async () => {
        const st = await status(orderId);
        return st.state === 'invoiced' ? st : undefined;
      },
      30_000,
      'replayed to invoiced',
    );
    expect(versionsOf(orderId)).toEqual([1, 3, 4]);
    expect(s.lastError).toBeNull();
    expect(s.pending).toEqual([]);
  });

  it('dead-letters what a blocked order cannot hold, and a replay still brings it to the ERP state', async () => {
    const orderId = uniqueOrderId();
    const [create, update, ...later] = orderHistory(orderId, 5) as [
      OrderEvent,
      OrderEvent & { data: { total: string } },
      ...OrderEvent[],
    ];
    const poisoned = { ...update, data: { ...update.data, total: '666.00' } } as OrderEvent;
    // Room for the poisoned event (it stays queued) and the next two, not for a third.
    const options = {
      maxHeldBytes: eventBytes(poisoned) + eventBytes(later[0]!) + eventBytes(later[1]!) + 10,
    };
    await deliver(orderId, [create, poisoned], options);
    await eventually(async () => (await status(orderId)).state === 'blocked', 30_000, 'blocked');
    await deliver(orderId, later, options);
    const letters = await eventually(
      async () => {
        const mine = deadLettered.filter((d) => d.orderId === orderId);
        return mine.flatMap((d) => d.events).length === later.length - 2 ? mine : undefined;
      },
      30_000,
      'the overflow dead-lettered',
    );
    expect(letters.flatMap((d) => d.events).map((e) => e.erpVersion)).toEqual(
      later.slice(2).map((e) => e.erpVersion),
    );
    expect(new Set(letters.map((d) => d.reason))).toEqual(new Set(['blocked-order-overflow']));
    const held = await status(orderId);
    expect(held.state).toBe('blocked');
    expect(held.pending.map((p) => p.erpVersion)).toEqual([
      2,
      later[0]!.erpVersion,
      later[1]!.erpVersion,
    ]);

    // The ERP corrects the poisoned snapshot in place; the replay re-reads every version.
    const corrected = { ...update, data: { ...update.data } } as OrderEvent;
    erp.set(orderId, [create, corrected, ...later]);
    await client.workflow.getHandle(orderId).signal(replaySignal, {});
    await eventually(async () => (await status(orderId)).state === 'invoiced', 30_000, 'invoiced');
    // Snapshots followed by a newer snapshot are superseded; the last update and the invoice land.
    expect(versionsOf(orderId)).toEqual([1, later.at(-2)!.erpVersion, later.at(-1)!.erpVersion]);
  });

  it('continues as new with its state and queue, and the next run carries on in order', async () => {
    const orderId = uniqueOrderId();
    const events = orderHistory(orderId, 18);
    for (const e of events) await deliver(orderId, [e], { maxHistoryEvents: 40 });
    const s = await eventually(
      async () => {
        const st = await status(orderId);
        return st.state === 'invoiced' ? st : undefined;
      },
      60_000,
      'invoiced after several runs',
    );
    expect(s.applied).toBe(events.length);
    expect(versionsOf(orderId)).toEqual(events.map((e) => e.erpVersion));
    const runs: string[] = [];
    for await (const wf of client.workflow.list({ query: `WorkflowId = "${orderId}"` }))
      runs.push(wf.runId);
    expect(runs.length).toBeGreaterThan(1);
  }, 120_000);

  it('replays a recorded history deterministically (Worker.runReplayHistory)', async () => {
    const orderId = uniqueOrderId();
    await deliver(orderId, orderHistory(orderId, 2));
    await eventually(async () => (await status(orderId)).state === 'invoiced', 30_000, 'invoiced');
    const history = await client.workflow.getHandle(orderId).fetchHistory();
    expect(history.events?.length).toBeGreaterThan(5);
    await expect(
      Worker.runReplayHistory(
        { workflowBundle: bundle, dataConverter: createDataConverter(cfg) },
        history,
        orderId,
      ),
    ).resolves.toBeUndefined();
  });
});
