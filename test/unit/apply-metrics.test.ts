import { describe, expect, it } from 'vitest';
import type { OrderEvent } from '../../src/contracts/events';
import type { ApplyInput, ApplyResult } from '../../src/contracts/workflow-types';
import { InvalidOrderDataError } from '../../src/contracts/errors';
import { instrumentApply } from '../../src/observability/apply-metrics';
import { applyFailures, eventsApplied, registry } from '../../src/observability/metrics';
import { validEvent } from '../support/fixtures';

const value = async (
  metric: typeof eventsApplied | typeof applyFailures,
  labels: Record<string, string>,
) =>
  (await metric.get()).values.find((v) =>
    Object.entries(labels).every(([k, l]) => (v.labels as Record<string, unknown>)[k] === l),
  )?.value ?? 0;

const created = validEvent({ eventId: 'E1' }) as unknown as OrderEvent;
const invoice = validEvent({ eventId: 'E2', type: 'invoice_creation' }) as unknown as OrderEvent;
const order: ApplyResult['order'] = {
  exists: true,
  erpVersion: 3,
  lastEventType: 'invoice_creation',
  invoiced: true,
};

describe('apply metrics', () => {
  it('count each event once across a retry of a committed apply', async () => {
    eventsApplied.reset();
    const results: ApplyResult[] = [
      {
        outcomes: [
          { eventId: 'E1', outcome: 'applied' },
          { eventId: 'E2', outcome: 'applied' },
        ],
        order,
      },
      // The retry after a lost answer: the ledger reports both as duplicates.
      {
        outcomes: [
          { eventId: 'E1', outcome: 'skipped', reason: 'duplicate' },
          { eventId: 'E2', outcome: 'skipped', reason: 'duplicate' },
        ],
        order,
      },
    ];
    const { applyOrderEvents } = instrumentApply({
      applyOrderEvents: async (_input: ApplyInput) => results.shift()!,
    });
    const input: ApplyInput = { orderId: created.orderId, events: [created, invoice] };
    await applyOrderEvents(input);
    await applyOrderEvents(input);
    expect(await value(eventsApplied, { type: 'order_creation', outcome: 'applied' })).toBe(1);
    expect(await value(eventsApplied, { type: 'invoice_creation', outcome: 'applied' })).toBe(1);
    expect(await value(eventsApplied, { type: 'order_creation', outcome: 'duplicate' })).toBe(1);
  });

  it('map stale, superseded and rejected; leave deferred for later', async () => {
    eventsApplied.reset();
    const { applyOrderEvents } = instrumentApply({
      applyOrderEvents: async (_input: ApplyInput): Promise<ApplyResult> => ({
        outcomes: [
          { eventId: 'E1', outcome: 'skipped', reason: 'superseded' },
          { eventId: 'E2', outcome: 'deferred' },
        ],
        order,
      }),
    });
    await applyOrderEvents({ orderId: created.orderId, events: [created, invoice] });
    expect(await value(eventsApplied, { type: 'order_creation', outcome: 'stale' })).toBe(1);
    expect((await eventsApplied.get()).values.reduce((n, v) => n + v.value, 0)).toBe(1);
  });

  it('count failures by kind and rethrow them', async () => {
    const before = {
      data: await value(applyFailures, { kind: 'data' }),
      transient: await value(applyFailures, { kind: 'transient' }),
    };
    const failing = (err: Error) =>
      instrumentApply({ applyOrderEvents: (_input: ApplyInput) => Promise.reject(err) });
    const input: ApplyInput = { orderId: created.orderId, events: [created] };
    await expect(
      failing(new InvalidOrderDataError('bad', 'E1')).applyOrderEvents(input),
    ).rejects.toThrow('bad');
    await expect(failing(new Error('ECONNREFUSED')).applyOrderEvents(input)).rejects.toThrow(
      'ECONNREFUSED',
    );
    expect(await value(applyFailures, { kind: 'data' })).toBe(before.data + 1);
    expect(await value(applyFailures, { kind: 'transient' })).toBe(before.transient + 1);
  });

  it('expose every table metric by its exact name', async () => {
    const text = await registry.metrics();
    for (const name of [
      'ordersync_consumer_messages_total',
      'ordersync_consumer_lag',
      'ordersync_consumer_handover_seconds',
      'ordersync_dlq_messages_total',
      'ordersync_events_applied_total',
      'ordersync_apply_seconds',
      'ordersync_commit_to_apply_seconds',
      'ordersync_blocked_orders',
      'ordersync_poll_rows_total',
      'ordersync_poll_cursor_lag',
      'ordersync_poll_gaps',
      'ordersync_poll_gaps_dropped_total',
    ])
      expect(text).toContain(`# TYPE ${name} `);
  });
});
