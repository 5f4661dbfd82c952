import { describe, expect, it } from 'vitest';
import { checkSignalEvents } from '../../workflows/signal-events';
import { orderHistory } from '../support/order-events';

const [create, update] = orderHistory('SO/1', 1);

describe('checkSignalEvents', () => {
  it('passes events that meet the contract, as the schema parses them', () => {
    expect(checkSignalEvents([create, update])).toEqual({
      events: [create, update],
      refused: null,
    });
  });

  it('refuses a payload that is not a list', () => {
    expect(checkSignalEvents({ eventId: 'x' }).refused).toMatch(/payload is object, not a list/);
    expect(checkSignalEvents(null).refused).toMatch(/payload is null/);
  });

  it('keeps the valid events, refuses the rest by id and field path, and never quotes a value', () => {
    const secret = 'marker-4711@example.com';
    const bad = { ...update, erpVersion: 'two', data: { ...(update!.data as object), email: 7 } };
    const noId = { type: 'order_creation', note: secret };
    const r = checkSignalEvents([create, bad, noId]);
    expect(r.events).toEqual([create]);
    expect(r.refused).toMatch(/refused 2 of 3 event\(s\)/);
    expect(r.refused).toContain(`event ${JSON.stringify(update!.eventId)}: `);
    expect(r.refused).toContain('erpVersion');
    expect(r.refused).not.toContain(secret);
    expect(r.refused).not.toContain('two');
  });
});
