import { describe, expect, it } from 'vitest';
import { countDropped, EMPTY_CURSOR, stepCursor } from '../../src/erp/cursor';
import type { GapPolicy, PollCursor } from '../../src/erp/cursor';
import { describeRanges, recordDroppedGaps } from '../../src/erp/gap-stats';
import { pollGapsDropped } from '../../src/observability/metrics';

const POLICY: GapPolicy = { gapTtlMs: 5_000, maxGaps: 100 };

describe('stepCursor: a gap expires only if the read could have returned it', () => {
  // Gaps 3..8 are old; the page limit of 2 returns only 3 and 4 of the now
  // committed rows 3..8. Gaps 5..8 were cut off by the limit, not found missing.
  const old: PollCursor = {
    position: 20,
    gaps: [3, 4, 5, 6, 7, 8].map((seq) => ({ seq, since: 0 })),
  };

  it('keeps expired-by-age gaps above the last row of a full page', () => {
    const step = stepCursor(old, [3, 4], 60_000, POLICY, 2);
    expect(step.cursor.gaps.map((g) => g.seq)).toEqual([5, 6, 7, 8]);
    expect(step.dropped).toEqual([]);
  });

  it('so every late row is read by the following pages', () => {
    const committed = [3, 4, 5, 6, 7, 8];
    let cursor = old;
    const read: number[] = [];
    for (let i = 0; i < 5; i++) {
      const gapSet = new Set(cursor.gaps.map((g) => g.seq));
      const seen = committed
        .filter((s) => s > cursor.position || gapSet.has(s))
        .sort((a, b) => a - b)
        .slice(0, 2);
      read.push(...seen);
      cursor = stepCursor(cursor, seen, 60_000 + i, POLICY, 2).cursor;
    }
    expect(read).toEqual(committed);
    expect(cursor.gaps).toEqual([]);
  });

  it('expires an old gap below the last row of a full page, and reports it', () => {
    const cursor: PollCursor = {
      position: 20,
      gaps: [
        { seq: 3, since: 0 },
        { seq: 9, since: 0 },
      ],
    };
    const step = stepCursor(cursor, [5, 6], 60_000, POLICY, 2);
    expect(step.cursor.gaps.map((g) => g.seq)).toEqual([9]);
    expect(step.dropped).toEqual([{ reason: 'expired', from: 3, to: 3 }]);
  });

  it('expires every old unseen gap after a page that was not full', () => {
    const step = stepCursor(old, [4], 60_000, POLICY, 2);
    expect(step.cursor.gaps).toEqual([]);
    expect(step.dropped).toEqual([
      { reason: 'expired', from: 3, to: 3 },
      { reason: 'expired', from: 5, to: 8 },
    ]);
  });
});

describe('stepCursor: gaps given up at the cap are reported', () => {
  it('reports the oldest gaps pushed out by maxGaps', () => {
    const policy: GapPolicy = { gapTtlMs: 60_000, maxGaps: 3 };
    const start: PollCursor = {
      position: 10,
      gaps: [
        { seq: 2, since: 100 },
        { seq: 4, since: 200 },
      ],
    };
    const step = stepCursor(start, [13], 1_000, policy, 500);
    expect(step.cursor.gaps.map((g) => g.seq)).toEqual([4, 11, 12]);
    expect(step.dropped).toEqual([{ reason: 'cap', from: 2, to: 2 }]);
  });

  it('reports a wide jump as ranges, without enumerating it', () => {
    const step = stepCursor(
      EMPTY_CURSOR,
      [1, 5, 50_000_000],
      1_000,
      { gapTtlMs: 1, maxGaps: 2 },
      500,
    );
    expect(step.cursor.gaps.map((g) => g.seq)).toEqual([49_999_998, 49_999_999]);
    expect(step.dropped).toEqual([
      { reason: 'cap', from: 2, to: 4 },
      { reason: 'cap', from: 6, to: 49_999_997 },
    ]);
    expect(countDropped(step.dropped, 'cap')).toBe(3 + 49_999_992);
  });

  it('reports nothing when nothing is dropped', () => {
    expect(stepCursor(EMPTY_CURSOR, [1, 3], 0, POLICY, 500).dropped).toEqual([]);
  });
});

describe('dropped-gap counter', () => {
  /** The counter's running totals per reason. */
  const totals = async () => {
    const values = (await pollGapsDropped.get()).values;
    const of = (reason: string) => values.find((v) => v.labels.reason === reason)?.value ?? 0;
    return { expired: of('expired'), cap: of('cap') };
  };

  it('adds up sequences per reason and describes them without row data', async () => {
    const before = await totals();
    recordDroppedGaps([
      { reason: 'expired', from: 3, to: 5 },
      { reason: 'cap', from: 9, to: 9 },
    ]);
    const after = await totals();
    expect(after.expired - before.expired).toBe(3);
    expect(after.cap - before.cap).toBe(1);
    expect(
      describeRanges([
        { reason: 'expired', from: 3, to: 5 },
        { reason: 'expired', from: 9, to: 9 },
      ]),
    ).toEqual(['3-5,9']);
    expect(
      describeRanges(
        [
          { reason: 'cap', from: 1, to: 1 },
          { reason: 'cap', from: 3, to: 3 },
        ],
        1,
      ),
    ).toEqual(['1', '3']);
  });
});
