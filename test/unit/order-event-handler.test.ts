import { describe, expect, it } from 'vitest';
import { commitOffsetAfter } from '../../src/kafka/group-errors';
import { sortBatch } from '../../src/kafka/order-event-handler';
import { encode, validEvent } from '../support/fixtures';

describe('commitOffsetAfter', () => {
  it('is the next offset to read, exact beyond 2^53', () => {
    expect(commitOffsetAfter('0')).toBe('1');
    expect(commitOffsetAfter('9007199254740993')).toBe('9007199254740994');
  });
});

describe('sortBatch', () => {
  const message = (offset: string, key: string | null, value: Buffer | null) => ({
    offset,
    key: key === null ? null : Buffer.from(key),
    value,
    timestamp: '0',
    attributes: 0,
    headers: {},
  });

  it('groups valid events by order in offset order and turns refused ones into DLQ letters', () => {
    const a1 = validEvent({ orderId: 'A', eventId: 'a1', erpVersion: 1 });
    const b1 = validEvent({ orderId: 'B', eventId: 'b1', erpVersion: 1 });
    const a2 = validEvent({ orderId: 'A', eventId: 'a2', erpVersion: 2, type: 'order_updation' });
    const { byOrder, letters } = sortBatch(
      {
        topic: 't',
        partition: 3,
        messages: [
          message('10', 'A', encode(a1)),
          message('11', 'B', encode(b1)),
          message('12', 'A', Buffer.from('{not json')),
          message('13', 'A', encode(a2)),
          message('14', null, encode(b1)),
        ],
      },
      1024 * 1024,
    );
    expect([...byOrder.keys()]).toEqual(['A', 'B']);
    expect(byOrder.get('A')!.map((e) => e.eventId)).toEqual(['a1', 'a2']);
    expect(byOrder.get('B')!.map((e) => e.eventId)).toEqual(['b1']);
    expect(letters.map((l) => [l.sourceOffset, l.reason])).toEqual([
      ['12', 'unparsable-json'],
      ['14', 'missing-key'],
    ]);
    expect(letters[0]).toMatchObject({ sourceTopic: 't', sourcePartition: 3 });
  });
});
