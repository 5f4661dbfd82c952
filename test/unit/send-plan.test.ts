import { describe, expect, it } from 'vitest';
import { BATCH_OVERHEAD_BYTES, fitsAlone, planSends, recordBytes } from '../../src/kafka/send-plan';
import type { PlannedMessage, TopicLayout } from '../../src/kafka/send-plan';
import { partitionFor } from '../support/murmur2';

const LIMIT = 10_000;
const layout =
  (partitions: number, maxMessageBytes = LIMIT) =>
  (): TopicLayout => ({
    partitions,
    maxMessageBytes,
  });
const msg = (key: string, bytes: number, topic = 't'): PlannedMessage => ({
  topic,
  key,
  value: 'x'.repeat(bytes),
  headers: { 'ordersync-event-id': `${key}-${bytes}` },
});

/** Bytes each partition's batch would carry in one send. */
function batchBytes(send: readonly PlannedMessage[], partitions: number): number[] {
  const by = new Map<number, number>();
  for (const m of send) {
    const p = partitionFor(String(m.key), partitions);
    by.set(p, (by.get(p) ?? BATCH_OVERHEAD_BYTES) + recordBytes(m));
  }
  return [...by.values()];
}

describe('planSends', () => {
  it('splits one key whose rows together exceed the limit, keeping their order', () => {
    const rows = Array.from({ length: 10 }, (_, i) => msg('SO-1', 1_500 + i));
    const sends = planSends(rows, layout(6));
    expect(sends.length).toBeGreaterThan(1);
    expect(sends.flat()).toEqual(rows);
    for (const s of sends) for (const b of batchBytes(s, 6)) expect(b).toBeLessThanOrEqual(LIMIT);
  });

  it('keeps rows of different partitions in one send when each partition fits', () => {
    // Keys on distinct partitions, each well under the limit alone: one request.
    const keys: string[] = [];
    for (let i = 0; keys.length < 6; i++) {
      const k = `K-${i}`;
      if (!keys.some((o) => partitionFor(o, 6) === partitionFor(k, 6))) keys.push(k);
    }
    const rows = keys.map((k) => msg(k, 6_000));
    expect(rows.reduce((n, m) => n + recordBytes(m), 0)).toBeGreaterThan(LIMIT);
    expect(planSends(rows, layout(6))).toEqual([rows]);
  });

  it('gives a row that does not fit alone a send of its own', () => {
    const rows = [msg('A', 100), msg('A', 20_000), msg('A', 100)];
    expect(fitsAlone(rows[1]!, LIMIT)).toBe(false);
    expect(planSends(rows, layout(3))).toEqual([[rows[0]], [rows[1]], [rows[2]]]);
  });

  it("uses each topic's own limit", () => {
    const rows = [msg('A', 4_000, 'small'), msg('A', 4_000, 'small'), msg('A', 4_000, 'big')];
    const sends = planSends(rows, (t) => ({
      partitions: 1,
      maxMessageBytes: t === 'small' ? 5_000 : 1e6,
    }));
    expect(sends).toEqual([[rows[0]], [rows[1], rows[2]]]);
  });

  it('counts key, value and headers in a record', () => {
    const m = { key: 'abc', value: 'x'.repeat(100), headers: { h: 'yy' } };
    expect(recordBytes(m)).toBeGreaterThanOrEqual(3 + 100 + 1 + 2);
    expect(recordBytes(m)).toBeLessThanOrEqual(3 + 100 + 1 + 2 + 60);
    expect(fitsAlone(m, BATCH_OVERHEAD_BYTES + recordBytes(m))).toBe(true);
    expect(fitsAlone(m, BATCH_OVERHEAD_BYTES + recordBytes(m) - 1)).toBe(false);
  });
});

describe('planSends without keys', () => {
  it('counts a keyless message against every partition, as the producer picks one at send time', () => {
    const keyless = (bytes: number): PlannedMessage => ({
      topic: 't',
      key: null,
      value: 'x'.repeat(bytes),
    });
    const keyed = msg('A', 6_000);
    // Each fits the limit alone and with any single other, but not the keyed row plus both keyless.
    const sends = planSends([keyed, keyless(2_000), keyless(2_000)], layout(6));
    expect(sends).toEqual([[keyed, expect.anything()], [expect.anything()]]);
  });
});
