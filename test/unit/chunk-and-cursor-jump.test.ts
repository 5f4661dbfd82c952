import { describe, expect, it } from 'vitest';
import { stepCursor } from '../../src/erp/cursor';
import { chunkBySize } from '../../src/kafka/order-event-handler';

describe('chunkBySize', () => {
  it('keeps order and splits before the limit is passed', () => {
    const items = Array.from({ length: 10 }, (_, i) => ({ i, pad: 'x'.repeat(90) }));
    const one = Buffer.byteLength(JSON.stringify(items[0]));
    const chunks = chunkBySize(items, one * 3);
    expect(chunks.map((c) => c.length)).toEqual([3, 3, 3, 1]);
    expect(chunks.flat()).toEqual(items);
  });

  it('puts an item larger than the limit in a chunk of its own', () => {
    const chunks = chunkBySize([{ a: 'x'.repeat(100) }, { b: 1 }], 10);
    expect(chunks).toHaveLength(2);
  });
});

describe('stepCursor on a large sequence jump', () => {
  it('records one range, however wide, instead of one gap per missing sequence', () => {
    const next = stepCursor({ position: 0, gaps: [] }, [50_000_000], 1000).cursor;
    expect(next.position).toBe(50_000_000);
    expect(next.gaps).toEqual([{ from: 1, to: 49_999_999, since: 1000 }]);
  });
});
