import { describe, expect, it } from 'vitest';
import {
  countDropped,
  cursorFromStored,
  cursorToStored,
  EMPTY_CURSOR,
  rangesToRead,
  stepCursor,
} from '../../src/erp/cursor';
import type { GapPolicy, PollCursor } from '../../src/erp/cursor';
import { describeRanges, recordDroppedGaps } from '../../src/erp/gap-stats';
import { pollGapsDropped } from '../../src/observability/metrics';
import { oneGap as one } from '../support/gap-ranges';

const POLICY: GapPolicy = { gapTtlMs: 5_000, lateWatchMs: 100_000 };

describe('stepCursor: a gap expires only if the read could have returned it', () => {
  // Gaps 3..8 are old; the page limit of 2 returns only 3 and 4 of the now
  // committed rows 3..8. Gaps 5..8 were cut off by the limit, not found missing.
  const old: PollCursor = { position: 20, gaps: [{ from: 3, to: 8, since: 0 }] };

  it('keeps expired-by-age gaps above the last row of a full page', () => {
    const step = stepCursor(old, [3, 4], 60_000, POLICY, 2);
    expect(step.cursor.gaps).toEqual([{ from: 5, to: 8, since: 0 }]);
    expect(step.dropped).toEqual([]);
  });

  it('so every late row is read by the following pages', () => {
    const committed = [3, 4, 5, 6, 7, 8];
    let cursor = old;
    const read: number[] = [];
    for (let i = 0; i < 5; i++) {
      const ranges = rangesToRead(cursor);
      const seen = committed
        .filter((s) => s > cursor.position || ranges.some((r) => s >= r.from && s <= r.to))
        .sort((a, b) => a - b)
        .slice(0, 2);
      read.push(...seen);
      cursor = stepCursor(cursor, seen, 60_000 + i, POLICY, 2).cursor;
    }
    expect(read).toEqual(committed);
    expect(cursor.gaps).toEqual([]);
  });

  it('expires an old gap below the last row of a full page, and reports it', () => {
    const cursor: PollCursor = { position: 20, gaps: [one(3, 0), one(9, 0)] };
    const step = stepCursor(cursor, [5, 6], 60_000, POLICY, 2);
    expect(step.cursor.gaps).toEqual([one(9, 0)]);
    expect(step.dropped).toEqual([{ reason: 'expired', from: 3, to: 3 }]);
  });

  it('splits an old range at the last row of a full page: below it expires, above it waits', () => {
    const cursor: PollCursor = { position: 100, gaps: [{ from: 10, to: 50, since: 0 }] };
    const step = stepCursor(cursor, [5, 20], 60_000, POLICY, 2);
    expect(step.dropped).toEqual([{ reason: 'expired', from: 10, to: 19 }]);
    expect(step.cursor.gaps).toEqual([{ from: 21, to: 50, since: 0 }]);
  });

  it('expires every old unseen gap after a page that was not full', () => {
    const step = stepCursor(old, [4], 60_000, POLICY, 2);
    expect(step.cursor.gaps).toEqual([]);
    expect(step.dropped).toEqual([
      { reason: 'expired', from: 3, to: 3 },
      { reason: 'expired', from: 5, to: 8 },
    ]);
    expect(countDropped(step.dropped)).toBe(5);
  });

  it('reports nothing when nothing is dropped', () => {
    expect(stepCursor(EMPTY_CURSOR, [1, 3], 0, POLICY, 500).dropped).toEqual([]);
  });
});

describe('stepCursor: dropped ranges are watched for late rows', () => {
  const expiredAt = 10_000;
  const afterDrop = stepCursor(
    { position: 50, gaps: [{ from: 1, to: 20, since: 0 }] },
    [],
    expiredAt,
    POLICY,
    500,
  );

  it('moves an expired range to the dropped list, stamped with the time it was dropped', () => {
    expect(afterDrop.cursor.gaps).toEqual([]);
    expect(afterDrop.cursor.dropped).toEqual([{ from: 1, to: 20, since: expiredAt }]);
    expect(rangesToRead(afterDrop.cursor)).toEqual([{ from: 1, to: 20 }]);
  });

  it('reports rows that appear in a dropped range as late, once', () => {
    const step = stepCursor(afterDrop.cursor, [4, 5, 51], expiredAt + 1_000, POLICY, 500);
    expect(step.late).toEqual([4, 5]);
    expect(step.cursor.dropped).toEqual([
      { from: 1, to: 3, since: expiredAt },
      { from: 6, to: 20, since: expiredAt },
    ]);
    expect(step.cursor.position).toBe(51);
    const again = stepCursor(step.cursor, [], expiredAt + 2_000, POLICY, 500);
    expect(again.late).toEqual([]);
  });

  it('forgets a dropped range after the late watch, and reports it', () => {
    const step = stepCursor(afterDrop.cursor, [], expiredAt + POLICY.lateWatchMs, POLICY, 500);
    expect(step.cursor.dropped).toEqual([]);
    expect(step.forgotten).toEqual([{ from: 1, to: 20 }]);
  });

  it('does not forget what a full page could not have read', () => {
    const step = stepCursor(afterDrop.cursor, [2, 3], expiredAt + POLICY.lateWatchMs, POLICY, 2);
    expect(step.forgotten).toEqual([{ from: 1, to: 1 }]);
    expect(step.cursor.dropped).toEqual([{ from: 4, to: 20, since: expiredAt }]);
  });
});

describe('stored cursor format', () => {
  it('loads the list of single sequences older releases saved, as ranges with the same expiry', () => {
    const old = [
      { seq: 5, since: 100 },
      { seq: 3, since: 100 },
      { seq: 4, since: 100 },
      { seq: 6, since: 200 },
      { seq: 9, since: 200 },
    ];
    const cursor = cursorFromStored(12, old);
    expect(cursor).toEqual({
      position: 12,
      gaps: [
        { from: 3, to: 5, since: 100 },
        { from: 6, to: 6, since: 200 },
        { from: 9, to: 9, since: 200 },
      ],
      dropped: [],
    });
    // The same expiry as before: at 100 + TTL only 3..5 expire.
    const step = stepCursor(cursor, [], 100 + POLICY.gapTtlMs, POLICY);
    expect(step.dropped).toEqual([{ reason: 'expired', from: 3, to: 5 }]);
  });

  it('round-trips the range format through JSON', () => {
    const cursor: PollCursor = {
      position: 30_000,
      gaps: [{ from: 1_001, to: 21_000, since: 7 }],
      dropped: [{ from: 3, to: 9, since: 8 }],
    };
    const stored: unknown = JSON.parse(JSON.stringify(cursorToStored(cursor)));
    expect(Array.isArray(stored)).toBe(false);
    expect(cursorFromStored(30_000, stored)).toEqual(cursor);
    expect(cursorFromStored(0, [])).toEqual(EMPTY_CURSOR);
  });
});

describe('dropped-gap counter', () => {
  const expired = async () =>
    (await pollGapsDropped.get()).values.find((v) => v.labels.reason === 'expired')?.value ?? 0;

  it('adds up sequences and describes them without row data', async () => {
    const before = await expired();
    recordDroppedGaps([
      { reason: 'expired', from: 3, to: 5 },
      { reason: 'expired', from: 9, to: 9 },
    ]);
    expect((await expired()) - before).toBe(4);
    expect(
      describeRanges([
        { from: 3, to: 5 },
        { from: 9, to: 9 },
      ]),
    ).toEqual(['3-5,9']);
    expect(
      describeRanges(
        [
          { from: 1, to: 1 },
          { from: 3, to: 3 },
        ],
        1,
      ),
    ).toEqual(['1', '3']);
  });
});
