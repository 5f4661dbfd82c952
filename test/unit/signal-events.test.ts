import { describe, expect, it } from 'vitest';
import { checkContract } from '../../activities/contract-check';
import type { OrderEvent } from '../../src/contracts/events';
import { checkSignalEvents } from '../../workflows/signal-events';
import { orderHistory } from '../support/order-events';

const [create, update] = orderHistory('SO/1', 1) as [OrderEvent, OrderEvent];
const secret = 'marker-4711@example.com';

describe('checkSignalEvents (the signal handler)', () => {
  it('passes events with the shape of an order event', () => {
    expect(checkSignalEvents([create, update])).toEqual({
      events: [create, update],
      refused: null,
    });
  });

  it('refuses a payload that is not a list', () => {
    expect(checkSignalEvents({ eventId: 'x' }).refused).toMatch(/payload is object, not a list/);
    expect(checkSignalEvents(null).refused).toMatch(/payload is null/);
  });

  it('keeps the events it can hold, refuses the rest by id and field name, and never quotes a value', () => {
    const bad = { ...update, erpVersion: 'two', type: secret };
    const r = checkSignalEvents([create, bad, { note: secret }, 7]);
    expect(r.events).toEqual([create]);
    expect(r.refused).toMatch(/refused 3 of 4 event\(s\)/);
    expect(r.refused).toContain(
      `event ${JSON.stringify(update.eventId)}: erpVersion, type missing`,
    );
    expect(r.refused).not.toContain(secret);
    expect(checkSignalEvents([7]).refused).toContain('event #1: not an object');
  });
});

describe('checkContract (the apply boundary)', () => {
  it('passes events that meet the contract', () => {
    expect(() => checkContract({ orderId: 'SO/1', events: [create, update] })).not.toThrow();
  });

  it('refuses the first event that breaks it with a non-retryable error naming paths, not values', () => {
    const bad = {
      ...update,
      data: { ...(update.data as object), lines: [{ qty: 1, unitPrice: '1.00' }], note: secret },
    } as unknown as OrderEvent;
    let thrown: Error | undefined;
    try {
      checkContract({ orderId: 'SO/1', events: [create, bad] });
    } catch (err) {
      thrown = err as Error;
    }
    expect(thrown?.name).toBe('InvalidOrderDataError');
    expect(thrown?.message).toMatch(
      new RegExp(`^event ${update.eventId} breaks the event contract: `),
    );
    expect(thrown?.message).toContain('data.lines.0.sku');
    expect(thrown?.message).not.toContain(secret);
  });
});
