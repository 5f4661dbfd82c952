import { describe, expect, it } from 'vitest';
import { eventBytes } from '../../src/contracts/workflow-types';
import { LetterBuffer } from '../../workflows/letter-buffer';
import { orderHistory } from '../support/order-events';

const events = orderHistory('SO/1', 8);
const size = eventBytes(events[1]!);
const bytesOf = (chunk: readonly Parameters<typeof eventBytes>[0][]) =>
  chunk.reduce((n, e) => n + eventBytes(e), 0);

describe('LetterBuffer', () => {
  it('never holds more than maxBytes counting the chunk being written, however the DLQ lags', () => {
    const max = 3 * size + 10;
    const b = new LetterBuffer({ maxBytes: max, chunkBytes: 2 * size + 5 });
    let carried = 0;
    for (let round = 0; round < 20; round++) {
      b.add(events);
      const writing = b.takeChunk();
      b.add(events);
      carried = Math.max(carried, bytesOf(writing) + bytesOf(b.snapshot()));
      if (round % 3 === 0) b.putBack(writing);
      else b.written();
    }
    expect(carried).toBeGreaterThan(0);
    expect(carried).toBeLessThanOrEqual(max);
  });

  it('hands out chunks in order, none above the chunk size unless one event alone is bigger', () => {
    const b = new LetterBuffer({ maxBytes: 0, chunkBytes: 3 * size + 10 });
    b.add(events);
    const chunks = [];
    while (b.length > 0) chunks.push(b.takeChunk());
    expect(chunks.flat().map((e) => e.eventId)).toEqual(events.map((e) => e.eventId));
    expect(chunks.length).toBeGreaterThan(2);
    for (const c of chunks) expect(bytesOf(c)).toBeLessThanOrEqual(3 * size + 10);
    // An event bigger than a chunk is written alone rather than never.
    const tiny = new LetterBuffer({ maxBytes: 0, chunkBytes: 1 });
    tiny.add(events.slice(0, 2));
    expect(tiny.takeChunk()).toHaveLength(1);
    expect(tiny.takeChunk()).toHaveLength(1);
  });

  it('holds at most maxBytes and counts what it refuses, with the lowest version', () => {
    const b = new LetterBuffer({ maxBytes: 2 * size + 10, chunkBytes: 1 << 20 });
    const refused = b.add([...events.slice(2, 6), events[1]!]);
    expect(b.length).toBe(2);
    expect(refused).toBe(3);
    expect(b.unlettered).toEqual({ count: 3, fromVersion: events[1]!.erpVersion });
    // A chunk being written still counts: what continue-as-new would carry (the chunk
    // and the rest) stays within maxBytes. A chunk put back goes in front.
    const chunk = b.takeChunk();
    expect(b.length).toBe(0);
    expect(b.add([events[7]!])).toBe(1);
    b.putBack(chunk);
    expect(b.snapshot().map((e) => e.erpVersion)).toEqual(chunk.map((e) => e.erpVersion));
    // Room again only once the chunk is written.
    b.takeChunk();
    b.written();
    expect(b.add([events[7]!])).toBe(0);
    expect(b.snapshot().map((e) => e.erpVersion)).toEqual([events[7]!.erpVersion]);
  });

  it('starts from what continue-as-new carried, and without a bound takes everything at once', () => {
    const carried = { events: events.slice(0, 3), unlettered: { count: 2, fromVersion: 9 } };
    const b = new LetterBuffer({ maxBytes: 10 * size, chunkBytes: 1 << 20 }, carried);
    expect(b.length).toBe(3);
    expect(b.unlettered).toEqual({ count: 2, fromVersion: 9 });
    // A replay that starts above them does not bring them back; one from at most v9 does.
    b.forgetUnlettered(10);
    expect(b.unlettered).not.toBeNull();
    b.forgetUnlettered(9);
    expect(b.unlettered).toBeNull();
    const unbounded = new LetterBuffer({ maxBytes: 0, chunkBytes: size });
    expect(unbounded.add(events)).toBe(0);
    expect(unbounded.takeAll()).toHaveLength(events.length);
    expect(unbounded.unlettered).toBeNull();
  });
});
