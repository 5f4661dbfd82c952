import type { GapRange } from '../../src/erp/cursor';

/** A gap of one sequence. */
export const oneGap = (seq: number, since: number): GapRange => ({ from: seq, to: seq, since });

/** Ranges as single sequences with their times, so expectations do not depend on how ranges are cut. */
export const singles = (gaps: readonly GapRange[]): Array<{ seq: number; since: number }> =>
  gaps.flatMap((g) =>
    Array.from({ length: g.to - g.from + 1 }, (_, i) => ({ seq: g.from + i, since: g.since })),
  );
