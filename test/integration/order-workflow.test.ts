import type { Client } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Activities } from '../../activities';
import type { OrderEvent } from '../../src/contracts/events';
import { checkContract } from '../../activities/contract-check';
import { pageOf } from '../../activities/read-erp';
import { planApply } from '../../src/contracts/apply-plan';
import type { CurrentOrder, LedgerRow } from '../../src/contracts/apply-plan';
import {
  eventBytes,
  resolveOrderSyncOptions,
  THIS_RELEASE_OPTIONS,
} from '../../src/contracts/workflow-types';
import type {
  ApplyInput,
  ApplyResult,
  OrderSyncStatus,
  ReplayRequest,
} from '../../src/contracts/workflow-types';
import {
  eventsSignal,
  orderSyncWorkflow,
  replaySignal,
  statusQuery,
} from '../../workflows/order-sync';
import { ORDER_SYNC_STATE } from '../../src/contracts/search-attributes';
import { createTemporalClient } from '../../src/temporal/connection';
import { OrderWorkflowClient } from '../../src/temporal/order-workflow-client';
import { createDataConverter, createPayloadCodec } from '../../src/temporal/data-converter';
import { bundleWorkflows } from '../../src/temporal/workflow-bundle';
import { eventually, testEnv } from '../support/env';
import { orderHistory, uniqueOrderId } from '../support/order-events';
import { createTestWorker } from '../support/test-worker';

// The workflow's ordering rules, on the real local Temporal server, with the
// MySQL activities replaced by an in-memory target that enforces the same rules.
const { cfg } = testEnv('wf');
const taskQueue = cfg.ORDERSYNC_TASK_QUEUE;

// The in-memory target decides with the same pure function as the real apply.
const rows = new Map<string, CurrentOrder>();
const ledgerRows = new Map<string, LedgerRow>();
const invoiceOwners = new Map<string, string>();
const ledger: Array<{ orderId: string; eventId: string; version: number }> = [];
const erp = new Map<string, OrderEvent[]>();
const deadLettered: Array<{ orderId: string; events: OrderEvent[]; reason: string }> = [];
/** Orders whose apply fails (as if MySQL were down) until the time given. */
const failUntil = new Map<string, number>();
/** Orders whose DLQ write waits this long. */
const slowDeadLetter = new Map<string, number>();
const applyAttempts = new Map<string, number>();
/** Orders whose apply fails for `ms` once a batch reaches `fromVersion` (MySQL down mid-replay). */
const outageAt = new Map<string, { fromVersion: number; ms: number; until?: number }>();
/** Orders whose DLQ write fails (as if Kafka refused it) until the time given. */
const failDeadLetterUntil = new Map<string, number>();
/** ERP reads (replay pages) per order. */
const erpReads = new Map<string, number>();
let inFlight = 0;
let maxInFlight = 0;

function fakeApply(input: ApplyInput): ApplyResult {
  const { orderId, events } = input;
  const plan = planApply({
    orderId,
    events,
    supersede: input.supersede,
    order: rows.get(orderId) ?? null,
    ledger: new Map(
      events.flatMap((e) => {
        const row = ledgerRows.get(e.eventId);
        return row ? [[e.eventId, row] as const] : [];
      }),
    ),
    invoices: invoiceOwners,
    invoiced: [...invoiceOwners.values()].includes(orderId),
  });
  for (const step of plan.steps) {
    const w = step.write;
    if (w?.kind === 'snapshot') {
      rows.set(orderId, {
        erpVersion: w.erpVersion,
        snapshotVersion: w.event.erpVersion,
        lastEventType: w.lastEventType,
        currency: w.event.data.currency,
      });
    } else if (w?.kind === 'invoice') {
      const row = rows.get(orderId)!;
      rows.set(orderId, { ...row, erpVersion: w.erpVersion, lastEventType: w.lastEventType });
      invoiceOwners.set(w.event.data.invoiceId, orderId);
    }
    if (step.record) {
      const o = step.outcome;
      ledgerRows.set(step.event.eventId, {
        orderId,
        stale: o.outcome === 'skipped' && o.reason === 'stale',
      });
      if (o.outcome === 'applied') {
        ledger.push({ orderId, eventId: step.event.eventId, version: step.event.erpVersion });
      }
    }
  }
  return { outcomes: plan.steps.map((st) => st.outcome), order: plan.order };
}

function fakeActivities(): Pick<
  Activities,
  'applyOrderEvents' | 'readOrderEventsFromErp' | 'pollErpToKafka' | 'deadLetterHeldEvents'
> {
  return {
    async applyOrderEvents(input: ApplyInput): Promise<ApplyResult> {
      // Checked against the contract first, as in the worker (activities/index.ts).
      checkContract(input);
      applyAttempts.set(input.orderId, (applyAttempts.get(input.orderId) ?? 0) + 1);
      if (Date.now() < (failUntil.get(input.orderId) ?? 0)) {
        throw new Error('connect ECONNREFUSED 127.0.0.1:3306 (fake outage)');
      }
      const outage = outageAt.get(input.orderId);
      if (outage && input.events.some((e) => e.erpVersion >= outage.fromVersion)) {
        outage.until ??= Date.now() + outage.ms;
        if (Date.now() < outage.until) throw new Error('connect ECONNREFUSED (fake outage)');
      }
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 20));
      try {
        return fakeApply(input);
      } finally {
        inFlight--;
      }
    },
    async readOrderEventsFromErp({ orderId, fromVersion, maxBytes }) {
      erpReads.set(orderId, (erpReads.get(orderId) ?? 0) + 1);
      const all = (erp.get(orderId) ?? []).filter((e) => e.erpVersion >= fromVersion);
      return { ...pageOf(all, maxBytes, false), invalid: [] };
    },
    async deadLetterHeldEvents({ orderId, events, reason }) {
      await new Promise((r) => setTimeout(r, slowDeadLetter.get(orderId) ?? 0));
      if (Date.now() < (failDeadLetterUntil.get(orderId) ?? 0)) {
        throw new Error('KafkaJSNumberOfRetriesExceeded (fake DLQ outage)');
      }
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
// The worker's own bundle (its preloaded, shared modules included).
let bundle: { code: string };

beforeAll(async () => {
  bundle = { code: await bundleWorkflows() };
  client = await createTemporalClient(cfg);
  worker = await createTestWorker(cfg, taskQueue, bundle, fakeActivities());
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await client?.connection.close();
});

/** Starts or signals as ordersync's starters do: they always set this release's options. */
const signalWithStart = <A>(orderId: string, signal: SignalDefinition<[A]>, arg: A, options = {}) =>
  client.workflow.signalWithStart(orderSyncWorkflow, {
    workflowId: orderId,
    taskQueue,
    args: [{ orderId, channel: 'online', options: { ...THIS_RELEASE_OPTIONS, ...options } }],
    signal,
    signalArgs: [arg],
  });
const deliver = (orderId: string, events: OrderEvent[], options = {}) =>
  signalWithStart(orderId, eventsSignal, events, options);

/** The order's DLQ writes, once they hold `count` events in all. */
const lettersOf = (orderId: string, count: number) =>
  eventually(
    async () => {
      const mine = deadLettered.filter((d) => d.orderId === orderId);
      return mine.flatMap((d) => d.events).length === count ? mine : undefined;
    },
    30_000,
    `${count} events of ${orderId} dead-lettered`,
  );
const status = (orderId: string) => client.workflow.getHandle(orderId).query(statusQuery);
/** The order's status once `ready` holds for it, queried again until it does. */
const statusWhen = (
  orderId: string,
  ready: (st: OrderSyncStatus) => unknown,
  what: string,
  timeoutMs = 30_000,
) =>
  eventually(
    async () => {
      const st = await status(orderId);
      return ready(st) ? st : undefined;
    },
    timeoutMs,
    what,
  );
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

  it('ignores duplicate deliveries of the same event, in the same run and after it closed', async () => {
    const orderId = uniqueOrderId();
    const events = orderHistory(orderId, 1);
    const first = await deliver(orderId, events);
    const second = await deliver(orderId, events);
    // The repeat lands in the same run (dropped as repeats), or in a new run if
    // that one already closed as invoiced. Or it races the close: the server
    // refuses the completing workflow task, and the run replays with both
    // signals and applies again, finding every event in the ledger. Whichever
    // happened, each of the six deliveries is counted once and applied at most once.
    const runs = [...new Set([first.signaledRunId, second.signaledRunId])];
    const results = await Promise.all(
      runs.map((runId) =>
        client.workflow.getHandle<typeof orderSyncWorkflow>(orderId, runId).result(),
      ),
    );
    expect(results.at(-1)!.state).toBe('invoiced');
    expect(results.reduce((n, r) => n + r.applied + r.skipped, 0)).toBe(6);
    expect(results.reduce((n, r) => n + r.applied, 0)).toBeLessThanOrEqual(3);
    // A redelivery after the invoiced run closed starts a new run, which skips it.
    const late = await deliver(orderId, [events[0]!]);
    expect(runs).not.toContain(late.signaledRunId);
    await expect(late.result()).resolves.toMatchObject({
      state: 'invoiced',
      applied: 0,
      skipped: 1,
    });
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
    const s = await statusWhen(orderId, (st) => st.state === 'blocked', 'blocked');
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
    const s = await statusWhen(orderId, (st) => st.state === 'invoiced', 'replayed to invoiced');
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
    const letters = await lettersOf(orderId, later.length - 2);
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

  it('dead-letters overflow in the first hand-over of a run, which starts the dead-letter writer', async () => {
    const orderId = uniqueOrderId();
    const events = orderHistory(orderId, 4);
    // Room for the first two events only: the run's very first signal overflows.
    const options = { maxHeldBytes: eventBytes(events[0]!) + eventBytes(events[1]!) + 10 };
    await deliver(orderId, events, options);
    const letters = await lettersOf(orderId, events.length - 2);
    expect(letters.flatMap((d) => d.events).map((e) => e.erpVersion)).toEqual(
      events.slice(2).map((e) => e.erpVersion),
    );
    // Blocked at once: it holds what fitted and applies nothing until a replay.
    const held = await status(orderId);
    expect(held.state).toBe('blocked');
    expect(held.lastError).toMatch(/^queue full/);
    expect(held.pending.map((p) => p.erpVersion)).toEqual([1, 2]);
    expect(versionsOf(orderId)).toEqual([]);

    erp.set(orderId, events);
    await client.workflow.getHandle(orderId).signal(replaySignal, {});
    await eventually(async () => (await status(orderId)).state === 'invoiced', 30_000, 'invoiced');
    expect(versionsOf(orderId).at(-1)).toBe(events.at(-1)!.erpVersion);
  });

  it('applies an event that arrives while a closing run still waits for its dead-letter write', async () => {
    const orderId = uniqueOrderId();
    const [create, update, ...later] = orderHistory(orderId, 3) as [
      OrderEvent,
      OrderEvent & { data: { total: string } },
      ...OrderEvent[],
    ];
    const poisoned = { ...update, data: { ...update.data, total: '666.00' } } as OrderEvent;
    // Room for the first hand-over only: every later event overflows into one slow letter.
    const options = { maxHeldBytes: eventBytes(create) + eventBytes(poisoned) + 10 };
    slowDeadLetter.set(orderId, 8000);
    await deliver(orderId, [create, poisoned], options);
    await eventually(async () => (await status(orderId)).state === 'blocked', 30_000, 'blocked');
    await deliver(orderId, later, options);
    // The replay makes the order invoiced while the letter is still being written, so the run waits to close.
    erp.set(orderId, [create, update, ...later]);
    const handle = client.workflow.getHandle<typeof orderSyncWorkflow>(orderId);
    await handle.signal(replaySignal, {});
    await eventually(async () => (await status(orderId)).state === 'invoiced', 30_000, 'invoiced');
    expect(deadLettered.some((d) => d.orderId === orderId)).toBe(false);
    // A newer update reaches that run during the wait; its offset would be committed.
    const late = { ...later[0]!, eventId: `${later[0]!.eventId}-late`, erpVersion: 99 };
    const signalled = await deliver(orderId, [late], options);
    expect(signalled.signaledRunId).toBe((await handle.describe()).runId);
    const s = await handle.result();
    expect(versionsOf(orderId)).toContain(99);
    expect(s.pending).toEqual([]);
    const lettered = deadLettered.filter((d) => d.orderId === orderId).flatMap((d) => d.events);
    // The run closed only after the letter (later events it could not hold) was written.
    expect(lettered.length).toBeGreaterThan(0);
    expect(lettered.every((e) => later.some((l) => l.eventId === e.eventId))).toBe(true);
  }, 60_000);

  it('continues as new with its state and queue, and the next run carries on in order', async () => {
    const orderId = uniqueOrderId();
    const events = orderHistory(orderId, 18);
    // Calibrated to history growth: a batch adds its signal, one workflow task and the apply's marker.
    for (const e of events) await deliver(orderId, [e], { maxHistoryEvents: 24 });
    const s = await statusWhen(
      orderId,
      (st) => st.state === 'invoiced',
      'invoiced after several runs',
      60_000,
    );
    expect(s.applied).toBe(events.length);
    expect(versionsOf(orderId)).toEqual(events.map((e) => e.erpVersion));
    const runs: string[] = [];
    for await (const wf of client.workflow.list({ query: `WorkflowId = "${orderId}"` }))
      runs.push(wf.runId);
    expect(runs.length).toBeGreaterThan(1);
  }, 120_000);

  it('applies an update that arrives after a newer invoice (the invoice does not move the snapshot guard)', async () => {
    const orderId = uniqueOrderId();
    const [create, update, invoice] = orderHistory(orderId, 1) as [
      OrderEvent,
      OrderEvent,
      OrderEvent,
    ];
    const first = await deliver(orderId, [create, invoice]);
    await expect(first.result()).resolves.toMatchObject({ state: 'invoiced', applied: 2 });
    // v2 comes back late, e.g. from `dlq replay` or another topic after a channel
    // change; the invoiced run has closed, so a new run applies it.
    const late = await deliver(orderId, [update]);
    await expect(late.result()).resolves.toMatchObject({ state: 'invoiced', applied: 1 });
    expect(versionsOf(orderId)).toEqual([1, 3, 2]);
    expect(rows.get(orderId)).toMatchObject({ snapshotVersion: 2, erpVersion: 3 });
  });

  it('runs an order whose id is 128 characters of what real ERPs write', async () => {
    const orderId = `SO/2025-26/${uniqueOrderId()} #ü`.padEnd(128, 'é');
    expect(orderId).toHaveLength(128);
    const [create, invoice] = orderHistory(orderId, 0) as [OrderEvent, OrderEvent];
    // The fixture's invoice id (`INV-` and the order id) would break the contract's 128 characters.
    const invoiceId = `INV-${orderId}`.slice(0, 128);
    await deliver(orderId, [
      create,
      { ...invoice, data: { ...invoice.data, invoiceId } } as OrderEvent,
    ]);
    await eventually(async () => (await status(orderId)).state === 'invoiced', 30_000, 'invoiced');
    expect(versionsOf(orderId)).toEqual([1, 2]);
  });

  it('resolves every option into its input at the first start and carries them through continue-as-new', async () => {
    const orderId = uniqueOrderId();
    const events = orderHistory(orderId, 8);
    // Regular activities, whose three history events per apply reach the cap within 8 updates.
    const overrides = { maxHistoryEvents: 30, localApply: false };
    // One apply per event: signals that arrive before the first workflow task
    // would be applied as one batch, too few history events to continue as new.
    for (const e of events) {
      await deliver(orderId, [e], overrides);
      await statusWhen(orderId, (st) => st.erpVersion >= e.erpVersion, `v${e.erpVersion} applied`);
    }
    await eventually(async () => (await status(orderId)).state === 'invoiced', 60_000, 'invoiced');
    const runs: string[] = [];
    for await (const wf of client.workflow.list({ query: `WorkflowId = "${orderId}"` }))
      runs.push(wf.runId);
    expect(runs.length).toBeGreaterThan(1);
    const history = await client.workflow.getHandle(orderId).fetchHistory();
    const started = history.events![0]!.workflowExecutionStartedEventAttributes!;
    expect(started.continuedExecutionRunId).toBeTruthy();
    // The input is stored encrypted; decode it as the worker does.
    const [input] = await createPayloadCodec(cfg).decode([started.input!.payloads![0]!]);
    const arg = JSON.parse(Buffer.from(input!.data!).toString()) as {
      options: Record<string, unknown>;
    };
    expect(arg.options).toEqual({
      ...resolveOrderSyncOptions(),
      ...THIS_RELEASE_OPTIONS,
      ...overrides,
    });
  }, 90_000);

  it('closes an idle order that is not invoiced, and a later event carries on from the target in a new run', async () => {
    const orderId = uniqueOrderId();
    const [create, update, update2] = orderHistory(orderId, 2) as [
      OrderEvent,
      OrderEvent,
      OrderEvent,
    ];
    const handle = await deliver(orderId, [create, update], { idleCloseMs: 1500 });
    await expect(handle.result()).resolves.toMatchObject({ state: 'updated', applied: 2 });
    // A re-delivered v2 and a new v3: the new run starts from scratch and relies on the target.
    const next = await deliver(orderId, [update, update2], { idleCloseMs: 1500 });
    expect(next.signaledRunId).not.toBe(handle.signaledRunId);
    const s = await next.result();
    expect(s).toMatchObject({ state: 'updated', applied: 1, skipped: 1, erpVersion: 3 });
    expect(versionsOf(orderId)).toEqual([1, 2, 3]);
  });

  it('keeps one idle timer per run: a wait that ends early leaves it running, and it is armed again for the rest', async () => {
    const orderId = uniqueOrderId();
    const [create, update] = orderHistory(orderId, 1) as [OrderEvent, OrderEvent];
    const idleCloseMs = 3000;
    const handle = await deliver(orderId, [create], { idleCloseMs });
    await eventually(async () => (await status(orderId)).applied === 1, 30_000, 'created');
    // The first wait's timer is running; this event ends that wait early.
    await deliver(orderId, [update], { idleCloseMs });
    await expect(handle.result()).resolves.toMatchObject({ state: 'updated', applied: 2 });
    const events = (await handle.fetchHistory()).events ?? [];
    const millis = (e: (typeof events)[number]) =>
      Number(e.eventTime!.seconds) * 1000 + Math.floor((e.eventTime!.nanos ?? 0) / 1e6);
    const timers = events.filter((e) => e.timerStartedEventAttributes);
    const signals = events.filter((e) => e.workflowExecutionSignaledEventAttributes);
    const closed = events.at(-1)!;
    expect(closed.workflowExecutionCompletedEventAttributes).toBeTruthy();
    // Two timers, not one per wait and none cancelled: the first, then the rest of the second wait.
    expect(timers).toHaveLength(2);
    expect(events.filter((e) => e.timerCanceledEventAttributes)).toHaveLength(0);
    expect(timers.map((t) => t.userMetadata?.summary).every(Boolean)).toBe(true);
    // The run stayed open a full idleCloseMs after its last event, not only until the first timer fired.
    expect(millis(closed) - millis(signals.at(-1)!)).toBeGreaterThanOrEqual(idleCloseMs - 100);
  });

  it('does not close a blocked order when idle', async () => {
    const orderId = uniqueOrderId();
    const [create, update] = orderHistory(orderId, 1) as [
      OrderEvent,
      OrderEvent & { data: { total: string } },
    ];
    const poisoned = { ...update, data: { ...update.data, total: '666.00' } } as OrderEvent;
    await deliver(orderId, [create, poisoned], { idleCloseMs: 500 });
    await eventually(async () => (await status(orderId)).state === 'blocked', 30_000, 'blocked');
    await new Promise((r) => setTimeout(r, 2000));
    const d = await client.workflow.getHandle(orderId).describe();
    expect(d.status.name).toBe('RUNNING');
  });

  it('dead-letters overflow that arrives while a letter is being written, even when continue-as-new is due', async () => {
    const orderId = uniqueOrderId();
    const [create, update, ...later] = orderHistory(orderId, 12) as [
      OrderEvent,
      OrderEvent & { data: { total: string } },
      ...OrderEvent[],
    ];
    const poisoned = { ...update, data: { ...update.data, total: '666.00' } } as OrderEvent;
    slowDeadLetter.set(orderId, 1500);
    const options = {
      maxHeldBytes: eventBytes(create) + eventBytes(poisoned) + 10,
      maxHistoryEvents: 25,
    };
    await deliver(orderId, [create, poisoned], options);
    await eventually(async () => (await status(orderId)).state === 'blocked', 30_000, 'blocked');
    // One signal each, while the slow letters are written: history passes the cap meanwhile.
    for (const e of later) {
      await deliver(orderId, [e], options);
      await new Promise((r) => setTimeout(r, 150));
    }
    // Each later event is either held in the queue or dead-lettered; none is dropped.
    const accounted = async () => {
      const lettered = deadLettered.filter((d) => d.orderId === orderId).flatMap((d) => d.events);
      const held = (await status(orderId)).pending.filter((p) => p.eventId !== poisoned.eventId);
      return [...lettered, ...held].map((e) => e.eventId).sort();
    };
    const ids = await eventually(
      async () => {
        const all = await accounted();
        return all.length >= later.length ? all : undefined;
      },
      60_000,
      'every later event held or dead-lettered',
    );
    expect(ids).toEqual(later.map((e) => e.eventId).sort());
    const runs: string[] = [];
    for await (const wf of client.workflow.list({ query: `WorkflowId = "${orderId}"` }))
      runs.push(wf.runId);
    expect(runs.length).toBeGreaterThan(1);
  }, 90_000);

  it('replays more than 2 MiB of ERP events page by page', async () => {
    const orderId = uniqueOrderId();
    const history = orderHistory(orderId, 40);
    // Fat snapshots: 500 lines with long SKUs, about 73 KB each, 2.8 MiB in all.
    const fat = history.map((e) => {
      if (e.type === 'invoice_creation') return e;
      const lines = Array.from({ length: 500 }, (_, i) => ({
        sku: `SKU-${i}-${'x'.repeat(100)}`,
        qty: 1,
        unitPrice: '1.00',
      }));
      return { ...e, data: { ...e.data, lines, total: '500.00' } };
    });
    const invoice = fat.at(-1)!;
    const fixedInvoice = {
      ...invoice,
      data: { ...(invoice.data as object), amount: '500.00' },
    } as OrderEvent;
    const all = [...fat.slice(0, -1), fixedInvoice];
    expect(all.reduce((n, e) => n + eventBytes(e), 0)).toBeGreaterThan(2.5 * 1024 * 1024);
    erp.set(orderId, all);
    await client.workflow.signalWithStart(orderSyncWorkflow, {
      workflowId: orderId,
      taskQueue,
      args: [{ orderId, channel: 'online' }],
      signal: replaySignal,
      signalArgs: [{}],
    });
    const s = await statusWhen(
      orderId,
      (st) => st.state === 'invoiced',
      'invoiced from the replay',
      60_000,
    );
    expect(s.lastError).toBeNull();
    // Every snapshot followed by a snapshot is superseded, across page boundaries too.
    expect(versionsOf(orderId)).toEqual([41, 42]);
  }, 90_000);

  it('holds more than 2 MiB of signals behind a retrying apply without failing: it blocks, dead-letters the rest, and a replay recovers', async () => {
    const orderId = uniqueOrderId();
    const history = orderHistory(orderId, 60);
    const fat = history.map((e) => {
      if (e.type === 'invoice_creation') return { ...e, data: { ...e.data, amount: '300.00' } };
      const lines = Array.from({ length: 300 }, (_, i) => ({
        sku: `SKU-${i}-${'y'.repeat(100)}`,
        qty: 1,
        unitPrice: '1.00',
      }));
      return { ...e, data: { ...e.data, lines, total: '300.00' } };
    }) as OrderEvent[];
    expect(fat.reduce((n, e) => n + eventBytes(e), 0)).toBeGreaterThan(2 * 1024 * 1024);
    failUntil.set(orderId, Date.now() + 600_000);
    for (let i = 0; i < fat.length; i += 4) await deliver(orderId, fat.slice(i, i + 4));
    const blocked = await statusWhen(
      orderId,
      (st) => st.state === 'blocked',
      'blocked on a full queue',
    );
    expect(blocked.lastError).toMatch(/queue full/);
    // Letters the DLQ has not taken yet are held up to a bound; beyond it they are counted in the reason.
    await eventually(
      async () => {
        const st = await status(orderId);
        const lettered = deadLettered.filter((d) => d.orderId === orderId).flatMap((d) => d.events);
        return lettered.length + st.pending.length + unletteredIn(st.lastError) === fat.length;
      },
      30_000,
      'every event queued, dead-lettered or counted',
    );
    // MySQL comes back; the operator replays the order from the ERP.
    failUntil.delete(orderId);
    erp.set(orderId, fat);
    const handle = client.workflow.getHandle(orderId);
    await handle.signal(replaySignal, {});
    // The run never failed: it completes as invoiced once the replay has applied the order.
    await expect(handle.result()).resolves.toMatchObject({ state: 'invoiced', lastError: null });
    expect(rows.get(orderId)).toMatchObject({ snapshotVersion: 61, erpVersion: 62 });
    expect((await handle.describe()).status.name).toBe('COMPLETED');
  }, 120_000);

  it('falls back from the local apply to a regular activity after a bounded number of attempts', async () => {
    const orderId = uniqueOrderId();
    failUntil.set(orderId, Date.now() + 12_000);
    await deliver(orderId, orderHistory(orderId, 1), { localApply: true, localApplyAttempts: 3 });
    await eventually(async () => (await status(orderId)).state === 'invoiced', 60_000, 'invoiced');
    expect(applyAttempts.get(orderId)).toBeGreaterThan(3);
    const history = await client.workflow.getHandle(orderId).fetchHistory();
    // The outage cost one regular activity, not a workflow task kept alive for 12 s.
    expect(history.events!.filter((e) => e.activityTaskScheduledEventAttributes)).toHaveLength(1);
    expect(history.events!.length).toBeLessThan(40);
  }, 90_000);

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

/** The current details the UI shows, read the way it reads them (the built-in metadata query). */
const detailsOf = async (orderId: string) =>
  (
    await client.workflow
      .getHandle(orderId)
      .query<{ currentDetails?: string }>('__temporal_workflow_metadata')
  ).currentDetails ?? '';

/** Details once they contain `text`, read again until they do. */
const detailsWith = (orderId: string, text: string) =>
  eventually(
    async () => {
      const d = await detailsOf(orderId);
      return d.includes(text) ? d : undefined;
    },
    30_000,
    `details of ${orderId} to show ${text}`,
  );

/** Every summary in the order's latest run, as `EventType: summary`, decoded as the UI decodes it. */
async function summariesOf(orderId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(orderId).fetchHistory();
  const codec = createPayloadCodec(cfg);
  const out: string[] = [];
  for (const e of history.events ?? []) {
    const payload = e.userMetadata?.summary;
    if (!payload) continue;
    const [decoded] = await codec.decode([payload]);
    const kind = Object.keys(e).find((k) => k.endsWith('EventAttributes')) ?? 'unknown';
    out.push(
      `${kind.replace(/EventAttributes$/, '')}: ${JSON.parse(Buffer.from(decoded!.data!).toString())}`,
    );
  }
  return out;
}

/** Every OrderSyncState value the run's history upserted, in order. */
async function upsertedStates(orderId: string, runId?: string): Promise<string[]> {
  const history = await client.workflow.getHandle(orderId, runId).fetchHistory();
  return (history.events ?? []).flatMap((e) => {
    const payload =
      e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.[
        ORDER_SYNC_STATE.name
      ];
    return payload ? [JSON.parse(Buffer.from(payload.data!).toString()) as string] : [];
  });
}

describe('OrderSyncState, the attention search attribute', () => {
  // Started the way the consumer starts them, with the attribute set at start.
  const orders = () =>
    new OrderWorkflowClient(client, { taskQueue, workflowOptions: THIS_RELEASE_OPTIONS });
  const attribute = async (orderId: string) =>
    (await client.workflow.getHandle(orderId).describe()).typedSearchAttributes.get(
      ORDER_SYNC_STATE,
    );

  it('is ok from the start; an order that is invoiced closes with no upsert and no timer', async () => {
    const orderId = uniqueOrderId();
    await orders().deliver(orderId, 'online', orderHistory(orderId, 1));
    const handle = client.workflow.getHandle(orderId);
    await expect(handle.result()).resolves.toMatchObject({ state: 'invoiced', applied: 3 });
    expect(await attribute(orderId)).toBe('ok');
    const events = (await handle.fetchHistory()).events ?? [];
    expect(await upsertedStates(orderId)).toEqual([]);
    expect(events.filter((e) => e.timerStartedEventAttributes)).toEqual([]);
  });

  it('turns waiting, then blocked when the invoice waits too long', async () => {
    const orderId = uniqueOrderId();
    const invoice = orderHistory(orderId, 0).at(-1)!;
    const c = new OrderWorkflowClient(client, {
      taskQueue,
      workflowOptions: { ...THIS_RELEASE_OPTIONS, invoiceWaitMs: 1500 },
    });
    await c.deliver(orderId, 'online', [invoice]);
    await eventually(
      async () => (await attribute(orderId)) === 'blocked' || undefined,
      30_000,
      'blocked after the invoice wait',
    );
    expect(await upsertedStates(orderId)).toEqual(['waiting', 'blocked']);
  });

  it('turns waiting while an invoice waits, blocked on bad data, and ok again after the replay', async () => {
    const orderId = uniqueOrderId();
    const [create, update, invoice] = orderHistory(orderId, 1) as [
      OrderEvent,
      OrderEvent & { data: { total: string } },
      OrderEvent,
    ];
    const poisoned = { ...update, data: { ...update.data, total: '666.00' } } as OrderEvent;
    const c = orders();
    await c.deliver(orderId, 'online', [invoice]);
    await eventually(
      async () => (await attribute(orderId)) === 'waiting' || undefined,
      30_000,
      'waiting',
    );
    await c.deliver(orderId, 'online', [create, poisoned]);
    await eventually(
      async () => (await attribute(orderId)) === 'blocked' || undefined,
      30_000,
      'blocked',
    );
    erp.set(orderId, [create, update, invoice]);
    await c.replay(orderId, 'online', {});
    const handle = client.workflow.getHandle(orderId);
    await expect(handle.result()).resolves.toMatchObject({ state: 'invoiced', lastError: null });
    expect(await attribute(orderId)).toBe('ok');
    expect(await upsertedStates(orderId)).toEqual(['waiting', 'blocked', 'ok']);
  });
});

describe('orderSyncWorkflow user metadata (what the Temporal UI shows)', () => {
  it('keeps current details up to date through new, created, updated and invoiced, and names each apply and timer', async () => {
    const orderId = uniqueOrderId();
    const [create, update, invoice] = orderHistory(orderId, 1) as [
      OrderEvent,
      OrderEvent,
      OrderEvent,
    ];
    const first = await deliver(orderId, [invoice]);
    const waiting = await detailsWith(orderId, '**Pending events:** 1');
    expect(waiting).toContain('- **State:** new');
    expect(waiting).toContain('v3 invoice_creation');
    expect(waiting).toContain('- **Snapshot:** none in MySQL yet');
    await deliver(orderId, [create]);
    const invoiced = await detailsWith(orderId, '- **State:** invoiced');
    expect(invoiced).toContain('- **Snapshot:** v1 · last applied v3 invoice_creation');
    // Invoiced: the run closes at once, without an idle timer.
    await first.result();
    const firstRun = await summariesOf(orderId);
    expect(firstRun).toEqual(
      expect.arrayContaining([
        'timerStarted: invoice wait 1h',
        'markerRecorded: apply v1 order_creation, v3 invoice_creation',
      ]),
    );
    expect(firstRun.filter((x) => x.startsWith('timerStarted: idle close'))).toEqual([]);
    // A late update starts a new run, whose details carry on from MySQL.
    const late = await deliver(orderId, [update]);
    await late.result();
    const updated = await detailsWith(orderId, '- **Applied / skipped:** 1 / 0');
    expect(updated).toContain('- **Snapshot:** v2 · last applied v3 invoice_creation');
    expect(updated).toContain('- **Pending events:** 0');
    expect(updated).not.toContain('Last error');
    expect(await summariesOf(orderId)).toContain('markerRecorded: apply v2 order_updation');

    // An order that is not invoiced waits for more under a named idle timer.
    const open = uniqueOrderId();
    await deliver(open, [orderHistory(open, 0)[0]!]);
    await detailsWith(open, '- **State:** created');
    await eventually(
      async () => (await summariesOf(open)).includes('timerStarted: idle close 24h') || undefined,
      30_000,
      'idle timer named',
    );
  });

  it('shows a blocked order with its reason, since when, and the replay command; after the replay the error is gone', async () => {
    const orderId = uniqueOrderId();
    const [create, update, ...later] = orderHistory(orderId, 4) as [
      OrderEvent,
      OrderEvent & { data: { total: string } },
      ...OrderEvent[],
    ];
    const poisoned = { ...update, data: { ...update.data, total: '666.00' } } as OrderEvent;
    // Room for the poisoned event and one more: the rest of `later` is dead-lettered.
    const options = { maxHeldBytes: eventBytes(poisoned) + eventBytes(later[0]!) + 10 };
    await deliver(orderId, [create, poisoned], options);
    const blocked = await detailsWith(orderId, '- **State:** blocked');
    expect(blocked).toMatch(/^- \*\*State:\*\* blocked since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\n/);
    expect(blocked).toContain('- **Reason:** InvalidOrderDataError: ');
    expect(blocked).toContain(`- **Once the ERP data is fixed:** \`ordersync replay ${orderId}\``);
    expect(blocked).toContain('- **Snapshot:** v1 · last applied v1 order_creation');
    await deliver(orderId, later, options);
    await detailsWith(orderId, '- **Pending events:** 2 (v2 order_updation, v3 order_updation)');

    erp.set(orderId, [create, update, ...later]);
    await client.workflow.getHandle(orderId).signal(replaySignal, {});
    const replayed = await detailsWith(orderId, '- **State:** invoiced');
    expect(replayed).not.toContain('Last error');
    expect(replayed).not.toContain('Reason');
    expect(replayed).toContain(`- **Snapshot:** v5 · last applied v6 invoice_creation`);

    const summaries = await summariesOf(orderId);
    expect(summaries).toEqual(
      expect.arrayContaining([
        'markerRecorded: apply v1 order_creation, v2 order_updation',
        `activityTaskScheduled: DLQ ${later.length - 1} events · blocked-order-overflow`,
        'activityTaskScheduled: replay: read ERP from v1',
        'markerRecorded: replay apply v5 order_updation, v6 invoice_creation (4 superseded)',
      ]),
    );
  });

  it('names a regular apply on the timeline too', async () => {
    const orderId = uniqueOrderId();
    await deliver(orderId, orderHistory(orderId, 0), { localApply: false });
    await detailsWith(orderId, '- **State:** invoiced');
    expect(await summariesOf(orderId)).toContain(
      'activityTaskScheduled: apply v1 order_creation, v2 invoice_creation',
    );
  });
});

/** How many events a blocked order's reason counts as neither queued nor dead-lettered. */
const unletteredIn = (lastError: string | null) =>
  Number(/(\d+) event\(s\) from v\d+ on were neither queued/.exec(lastError ?? '')?.[1] ?? 0);

/** An order of `updates` fat snapshots (`lines` long SKUs each) and an invoice that matches them. */
function fatHistory(orderId: string, updates: number, lines: number): OrderEvent[] {
  const history = orderHistory(orderId, updates);
  const total = `${lines}.00`;
  return history.map((e) => {
    if (e.type === 'invoice_creation') return { ...e, data: { ...e.data, amount: total } };
    const fat = Array.from({ length: lines }, (_, i) => ({
      sku: `SKU-${i}-${'z'.repeat(100)}`,
      qty: 1,
      unitPrice: '1.00',
    }));
    return { ...e, data: { ...e.data, lines: fat, total } };
  });
}

/** Starts the order's workflow with a replay, as `ordersync replay` does for an order without one. */
const startReplay = (orderId: string, options = {}, req: ReplayRequest = {}) =>
  signalWithStart(orderId, replaySignal, req, options);

/** Every run of the order's workflow, oldest first. */
async function runsOf(orderId: string): Promise<string[]> {
  const runs: Array<{ runId: string; startTime: Date }> = [];
  for await (const wf of client.workflow.list({ query: `WorkflowId = "${orderId}"` }))
    runs.push(wf);
  return runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime()).map((r) => r.runId);
}

/** The order once it is invoiced with nothing pending and no error: equal to the ERP's last state. */
const invoicedClean = (orderId: string, timeoutMs: number) =>
  statusWhen(
    orderId,
    (st) => st.state === 'invoiced' && st.pending.length === 0,
    `${orderId} invoiced`,
    timeoutMs,
  );

describe('orderSyncWorkflow across continue-as-new (resumableRuns)', () => {
  it('replays more than 4 MiB over several runs: it continues as new between pages and the next run resumes', async () => {
    const orderId = uniqueOrderId();
    // 70 snapshots of about 70 KB: 4.7 MiB, about ten pages of 512 KiB.
    const all = fatHistory(orderId, 70, 480);
    expect(all.reduce((n, e) => n + eventBytes(e), 0)).toBeGreaterThan(4 * 1024 * 1024);
    erp.set(orderId, all);
    await startReplay(orderId, { maxHistoryEvents: 30 });
    const s = await invoicedClean(orderId, 120_000);
    expect(s.lastError).toBeNull();
    const last = all.length;
    expect(versionsOf(orderId)).toEqual([last - 1, last]);
    expect(rows.get(orderId)).toMatchObject({ snapshotVersion: last - 1, erpVersion: last });
    // Several runs, none holding the whole replay: each stopped between pages near the cap.
    const runs = await runsOf(orderId);
    expect(runs.length).toBeGreaterThanOrEqual(3);
    for (const runId of runs) {
      const events = (await client.workflow.getHandle(orderId, runId).fetchHistory()).events!;
      expect(events.length).toBeLessThan(50);
    }
    // Every page read once, plus one re-read per continue-as-new at most (the page held over).
    const pages = Math.ceil(all.reduce((n, e) => n + eventBytes(e), 0) / (512 * 1024)) + 1;
    expect(erpReads.get(orderId)).toBeLessThanOrEqual(pages + runs.length);
  }, 180_000);

  it('resumes a replay whose apply gave up its local attempts and continued as new while MySQL was down', async () => {
    const orderId = uniqueOrderId();
    // About 1.3 MiB: three pages; MySQL goes down when the second page is applied, for 15 s.
    const all = fatHistory(orderId, 30, 300);
    erp.set(orderId, all);
    outageAt.set(orderId, { fromVersion: 12, ms: 15_000 });
    const options = { maxHistoryEvents: 40, localApplyAttempts: 2 };
    await startReplay(orderId, options);
    await eventually(
      async () => outageAt.get(orderId)?.until !== undefined || undefined,
      60_000,
      'the outage to begin mid-replay',
    );
    // Kafka keeps signalling meanwhile (here: empty batches), so continue-as-new falls due during the outage.
    const first = (await runsOf(orderId))[0];
    await eventually(
      async () => {
        await deliver(orderId, [], options);
        const runs = await runsOf(orderId);
        return runs.length > 1 && runs[0] === first ? runs : undefined;
      },
      30_000,
      'a continue-as-new during the outage',
    );
    expect(Date.now()).toBeLessThan(outageAt.get(orderId)!.until!);
    const s = await invoicedClean(orderId, 90_000);
    expect(s.lastError).toBeNull();
    expect(s.retryingSince ?? null).toBeNull();
    const last = all.length;
    expect(rows.get(orderId)).toMatchObject({ snapshotVersion: last - 1, erpVersion: last });
    expect(versionsOf(orderId).at(-1)).toBe(last);
  }, 150_000);

  it("puts a replay page's deferred invoice back into the queue: the order waits, then blocks with the reason", async () => {
    const orderId = uniqueOrderId();
    const [create, invoice] = orderHistory(orderId, 0) as [OrderEvent, OrderEvent];
    const options = { invoiceWaitMs: 4000 };
    // The creation never landed: the invoice waits, and the order blocks.
    await deliver(orderId, [invoice], options);
    await eventually(async () => (await status(orderId)).state === 'blocked', 30_000, 'blocked');
    // The operator replays from the invoice's version only.
    erp.set(orderId, [create, invoice]);
    await client.workflow.getHandle(orderId).signal(replaySignal, { fromVersion: 2 });
    const waiting = await statusWhen(
      orderId,
      (st) => erpReads.get(orderId) && st.lastError?.includes('deferred'),
      'the replay to leave the invoice waiting',
    );
    expect(waiting.state).toBe('new');
    expect(waiting.pending.map((p) => p.eventId)).toEqual([invoice.eventId]);
    expect(await detailsOf(orderId)).toContain('v2 invoice_creation deferred');
    const blocked = await statusWhen(
      orderId,
      (st) => st.state === 'blocked',
      'blocked again once the invoice waited',
    );
    expect(blocked.lastError).toMatch(/never arrived/);
    expect(blocked.pending.map((p) => p.eventId)).toEqual([invoice.eventId]);
    // A replay from the start brings the creation, and the queued invoice lands on it.
    await client.workflow.getHandle(orderId).signal(replaySignal, {});
    await invoicedClean(orderId, 30_000);
    expect(versionsOf(orderId)).toEqual([1, 2]);
  }, 90_000);

  it('applies a creation that arrived while an invoice waited and continue-as-new fell due', async () => {
    // How long the history is once an invoice waits: a probe order with the same steps.
    const historyWhileWaiting = async (orderId: string) =>
      eventually(
        async () => {
          const events = (await client.workflow.getHandle(orderId).fetchHistory()).events ?? [];
          return events.some((e) => e.timerStartedEventAttributes) ? events.length : undefined;
        },
        30_000,
        `${orderId}'s invoice to wait`,
      );
    const probe = uniqueOrderId();
    await deliver(probe, [orderHistory(probe, 0)[1]!], { invoiceWaitMs: 60_000 });
    const waitingLength = await historyWhileWaiting(probe);

    const orderId = uniqueOrderId();
    const [create, invoice] = orderHistory(orderId, 0) as [OrderEvent, OrderEvent];
    // Due exactly with the creation's signal (its event, a task scheduled and started).
    const options = { invoiceWaitMs: 8000, maxHistoryEvents: waitingLength + 3 };
    await deliver(orderId, [invoice], options);
    expect(await historyWhileWaiting(orderId)).toBe(waitingLength);
    const started = Date.now();
    await deliver(orderId, [create], options);
    const s = await invoicedClean(orderId, 30_000);
    // Applied on arrival in the next run, not after the invoice wait ran out and blocked it.
    expect(Date.now() - started).toBeLessThan(8000);
    expect(s.lastError).toBeNull();
    expect(versionsOf(orderId)).toEqual([1, 2]);
    expect((await runsOf(orderId)).length).toBe(2);
  }, 90_000);

  it('writes overflow in chunks of at most 512 KiB, holds a bounded amount while the DLQ is down, and carries it through continue-as-new', async () => {
    const orderId = uniqueOrderId();
    // 80 snapshots of about 45 KB: 3.5 MiB of signals while MySQL and the DLQ are both down.
    const all = fatHistory(orderId, 80, 300);
    expect(all.reduce((n, e) => n + eventBytes(e), 0)).toBeGreaterThan(3 * 1024 * 1024);
    failUntil.set(orderId, Date.now() + 600_000);
    failDeadLetterUntil.set(orderId, Date.now() + 600_000);
    // Chunks smaller than the default 512 KiB, so the held letters take several writes.
    const options = { maxHeldBytes: 200_000, maxHistoryEvents: 30, deadLetterChunkBytes: 200_000 };
    for (let i = 0; i < all.length; i += 2) await deliver(orderId, all.slice(i, i + 2), options);
    const blocked = await statusWhen(
      orderId,
      (st) => st.lastError?.includes('neither queued nor dead-lettered'),
      'the overflow beyond the bound to be counted',
    );
    expect(blocked.state).toBe('blocked');
    // The signals grew the history past the cap: the run continued as new, the DLQ still down.
    await eventually(
      async () => (await runsOf(orderId)).length > 1 || undefined,
      30_000,
      'a continue-as-new while the DLQ is down',
    );
    const handle = client.workflow.getHandle(orderId);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    // The DLQ comes back: what the runs held is written, chunk by chunk.
    failDeadLetterUntil.delete(orderId);
    const unlettered = unletteredIn(blocked.lastError);
    expect(unlettered).toBeGreaterThan(0);
    const accounted = await eventually(
      async () => {
        const st = await status(orderId);
        const lost = unletteredIn(st.lastError);
        const ids = new Set([
          ...deadLettered
            .filter((d) => d.orderId === orderId)
            .flatMap((d) => d.events.map((e) => e.eventId)),
          ...st.pending.map((p) => p.eventId),
        ]);
        return ids.size + lost === all.length ? { ids, lost } : undefined;
      },
      60_000,
      'every event held, dead-lettered or counted',
    );
    expect(accounted.lost).toBeGreaterThanOrEqual(unlettered);
    const writes = deadLettered.filter((d) => d.orderId === orderId);
    expect(writes.length).toBeGreaterThan(1);
    for (const w of writes)
      expect(w.events.reduce((n, e) => n + eventBytes(e), 0)).toBeLessThanOrEqual(200_000);
    // MySQL comes back; a replay from the ERP brings the order to its last state.
    failUntil.delete(orderId);
    erp.set(orderId, all);
    await handle.signal(replaySignal, {});
    await invoicedClean(orderId, 60_000);
    const last = all.length;
    expect(rows.get(orderId)).toMatchObject({ snapshotVersion: last - 1, erpVersion: last });
  }, 180_000);

  /** Creates an order, then signals it by hand (as from the UI) with `edit` of its update; its status once blocked. */
  const blockedByHandSignal = async (edit: (update: OrderEvent) => unknown) => {
    const orderId = uniqueOrderId();
    const [create, update] = orderHistory(orderId, 1) as [OrderEvent, OrderEvent];
    await deliver(orderId, [create]);
    await eventually(async () => (await status(orderId)).applied === 1, 30_000, 'created');
    await client.workflow.getHandle(orderId).signal(eventsSignal, [edit(update) as OrderEvent]);
    const blocked = await statusWhen(orderId, (st) => st.state === 'blocked', 'blocked by hand');
    // Refused before it reached the target, and not retried (that would show "apply failing, retrying").
    expect(applyAttempts.get(orderId)).toBe(1);
    expect(blocked.retryingSince ?? null).toBeNull();
    expect(await detailsOf(orderId)).toContain('- **State:** blocked');
    return { blocked, update };
  };
  const withoutSku = (update: OrderEvent) => ({
    ...update,
    data: { ...(update.data as object), lines: [{ qty: 1, unitPrice: '1.00' }] },
  });

  it('refuses a malformed signal in its handler: the order blocks with the reason', async () => {
    // A version as text: the workflow could not even order it.
    const { blocked } = await blockedByHandSignal((u) => ({ ...withoutSku(u), erpVersion: '2' }));
    expect(blocked.lastError).toMatch(
      /events signal refused 1 of 1 event\(s\) that are not order events/,
    );
    expect(blocked.lastError).toContain('erpVersion');
    expect(blocked.pending).toEqual([]);
  });

  it('blocks an order whose signalled event has the shape of an event but breaks the contract, without retrying the apply', async () => {
    const { blocked, update } = await blockedByHandSignal(withoutSku);
    expect(blocked.lastError).toMatch(
      new RegExp(`^InvalidOrderDataError: event ${update.eventId} breaks the event contract: `),
    );
    expect(blocked.lastError).toContain('data.lines.0.sku');
  });

  it('shows since when an apply has been retrying, in the status and the details', async () => {
    const orderId = uniqueOrderId();
    failUntil.set(orderId, Date.now() + 15_000);
    await deliver(orderId, orderHistory(orderId, 0), { localApplyAttempts: 2 });
    const s = await statusWhen(orderId, (st) => st.retryingSince, 'retrying');
    expect(s.lastError).toMatch(/^apply failing, retrying: /);
    expect(Date.now() - s.retryingSince!).toBeLessThan(30_000);
    expect(await detailsOf(orderId)).toMatch(/- \*\*Apply retrying since\*\* \d{4}-\d\d-\d\d /);
    const done = await invoicedClean(orderId, 60_000);
    expect(done.retryingSince ?? null).toBeNull();
    expect(done.lastError).toBeNull();
  }, 90_000);
});
