import { describe, expect, it } from 'vitest';
import type { OrderEvent } from '../../src/contracts/events';
import { eventBytes } from '../../src/contracts/workflow-types';
import { OrderQueue } from '../../workflows/order-queue';
import { orderHistory } from '../support/order-events';

const ORDER = 'SO/1';
const events = orderHistory(ORDER, 3);
const size = eventBytes(events[0]!);
const queue = (maxBytes = 1_000_000, seenLimit = 10) =>
  new OrderQueue(ORDER, { maxBytes, seenLimit });

describe('OrderQueue', () => {
  it('queues in arrival order and batches in ERP version order', () => {
    const q = queue();
    const [c, u1, u2] = events as [OrderEvent, OrderEvent, OrderEvent];
    q.offer([u2, c, u1]);
    expect(q.events().map((e) => e.erpVersion)).toEqual([3, 1, 2]);
    expect(q.batch().map((e) => e.erpVersion)).toEqual([1, 2, 3]);
  });

  it('drops repeats of queued and recently handled events, and ignores other orders', () => {
    const q = queue();
    expect(q.offer([events[0]!, events[0]!]).repeats).toBe(1);
    q.settle([{ eventId: events[0]!.eventId, outcome: 'applied' }]);
    expect(q.offer([events[0]!]).repeats).toBe(1);
    const foreign = orderHistory('SO/2', 0)[0]!;
    expect(q.offer([foreign])).toEqual({ repeats: 0, overflow: [] });
    expect(q.length).toBe(0);
  });

  it('forgets the oldest ids beyond seenLimit', () => {
    const q = queue(1_000_000, 2);
    q.offer(events.slice(0, 3));
    q.settle(events.slice(0, 3).map((e) => ({ eventId: e.eventId, outcome: 'applied' as const })));
    expect(q.snapshot().seen).toEqual(events.slice(1, 3).map((e) => e.eventId));
    expect(q.offer([events[0]!]).repeats).toBe(0);
  });

  it('holds at most maxBytes and returns the rest as overflow, in any state', () => {
    const q = queue(size * 2 + 5);
    const { overflow } = q.offer(events);
    expect(q.length).toBe(2);
    expect(overflow.map((e) => e.eventId)).toEqual(events.slice(2).map((e) => e.eventId));
    expect(q.heldBytes).toBeLessThanOrEqual(size * 2 + 5);
  });

  it('keeps deferred and rejected events queued, and recounts bytes when events leave', () => {
    const q = queue();
    q.offer(events.slice(0, 3));
    const counts = q.settle([
      { eventId: events[0]!.eventId, outcome: 'applied' },
      { eventId: events[1]!.eventId, outcome: 'skipped', reason: 'stale' },
      { eventId: events[2]!.eventId, outcome: 'rejected', error: 'bad' },
    ]);
    expect(counts).toEqual({ applied: 1, skipped: 1 });
    expect(q.events().map((e) => e.eventId)).toEqual([events[2]!.eventId]);
    expect(q.heldBytes).toBe(eventBytes(events[2]!));
  });

  it('lets fresh replay copies replace queued ones and be judged again', () => {
    const q = queue();
    q.offer(events.slice(0, 2));
    q.settle([{ eventId: events[0]!.eventId, outcome: 'applied' }]);
    q.takeOver(events.slice(0, 2));
    expect(q.length).toBe(0);
    expect(q.snapshot().seen).toEqual([]);
    expect(q.offer([events[0]!]).repeats).toBe(0);
  });

  it('round-trips through a snapshot (continue-as-new)', () => {
    const q = queue();
    q.offer(events.slice(0, 2));
    q.settle([{ eventId: events[0]!.eventId, outcome: 'applied' }]);
    const again = new OrderQueue(ORDER, { maxBytes: 1_000_000, seenLimit: 10 }, q.snapshot());
    expect(again.snapshot()).toEqual(q.snapshot());
    expect(again.heldBytes).toBe(q.heldBytes);
  });
});
