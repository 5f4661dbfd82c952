import { describe, it, expect } from 'vitest';
import {
  DEFAULT_GAP_POLICY,
  EMPTY_CURSOR,
  inRanges,
  rangesToRead,
  stepCursor,
} from '../../src/erp/cursor';
import type { GapPolicy, PollCursor } from '../../src/erp/cursor';
import { oneGap as one, singles } from '../support/gap-ranges';

const POLICY: GapPolicy = { gapTtlMs: 5_000, lateWatchMs: 60_000 };

const seqsOf = (c: PollCursor): number[] => singles(c.gaps).map((g) => g.seq);

describe('stepCursor', () => {
  it('advances the position over a contiguous read', () => {
    const c1 = stepCursor(EMPTY_CURSOR, [1, 2, 3], 1_000, POLICY).cursor;
    expect(c1).toEqual({ position: 3, gaps: [], dropped: [] });
    const c2 = stepCursor(c1, [4, 5], 2_000, POLICY).cursor;
    expect(c2).toEqual({ position: 5, gaps: [], dropped: [] });
  });

  it('turns sequences missing below the high-water mark into gaps stamped with now', () => {
    const c = stepCursor(EMPTY_CURSOR, [1, 2, 4, 7], 1_000, POLICY).cursor;
    expect(c.position).toBe(7);
    expect(c.gaps).toEqual([
      { from: 3, to: 3, since: 1_000 },
      { from: 5, to: 6, since: 1_000 },
    ]);
  });

  it('records a gap at the very start when sequence 1 is not yet visible', () => {
    const c = stepCursor(EMPTY_CURSOR, [2], 1_000, POLICY).cursor;
    expect(c).toEqual({ position: 2, gaps: [one(1, 1_000)], dropped: [] });
  });

  it('never makes a gap of the high-water mark itself or anything above it', () => {
    const c = stepCursor({ position: 10, gaps: [] }, [11, 15], 1_000, POLICY).cursor;
    expect(c.position).toBe(15);
    expect(seqsOf(c)).toEqual([12, 13, 14]);
  });

  it('removes a gap once its sequence is seen, keeping the others with their original time', () => {
    const start: PollCursor = {
      position: 7,
      gaps: [one(3, 1_000), one(5, 1_500)],
    };
    const c = stepCursor(start, [3, 8], 2_000, POLICY).cursor;
    expect(c).toEqual({ position: 8, gaps: [one(5, 1_500)], dropped: [] });
  });

  it('keeps the position when only gaps are seen', () => {
    const start: PollCursor = { position: 9, gaps: [one(4, 0)] };
    expect(stepCursor(start, [4], 1_000, POLICY).cursor).toEqual({
      position: 9,
      gaps: [],
      dropped: [],
    });
  });

  it('expires gaps once gapTtlMs has passed since they were recorded', () => {
    const start: PollCursor = {
      position: 20,
      gaps: [one(11, 1_000), one(12, 3_000)],
    };
    // 1_000 + 5_000 = 6_000 is the expiry instant of seq 11.
    expect(seqsOf(stepCursor(start, [], 5_999, POLICY).cursor)).toEqual([11, 12]);
    expect(seqsOf(stepCursor(start, [], 6_000, POLICY).cursor)).toEqual([12]);
    expect(seqsOf(stepCursor(start, [], 8_000, POLICY).cursor)).toEqual([]);
  });

  it('does not reset the age of a gap that is still missing', () => {
    let c = stepCursor(EMPTY_CURSOR, [1, 3], 1_000, POLICY).cursor;
    c = stepCursor(c, [4], 3_000, POLICY).cursor;
    c = stepCursor(c, [5], 5_000, POLICY).cursor;
    expect(c.gaps).toEqual([one(2, 1_000)]);
    c = stepCursor(c, [6], 6_000, POLICY).cursor;
    expect(c.gaps).toEqual([]);
    expect(c.position).toBe(6);
  });

  it('uses DEFAULT_GAP_POLICY (10 minutes) when no policy is given', () => {
    expect(DEFAULT_GAP_POLICY.gapTtlMs).toBe(600_000);
    const c = stepCursor(EMPTY_CURSOR, [2], 0).cursor;
    expect(seqsOf(stepCursor(c, [], 599_999).cursor)).toEqual([1]);
    expect(seqsOf(stepCursor(c, [], 600_000).cursor)).toEqual([]);
  });

  it('records a jump of any size as one range, and drops nothing for lack of room', () => {
    const step = stepCursor(
      { position: 1_000, gaps: [one(7, 100)] },
      [1_001, 50_000_000],
      1_000,
      POLICY,
    );
    expect(step.cursor.position).toBe(50_000_000);
    expect(step.cursor.gaps).toEqual([one(7, 100), { from: 1_002, to: 49_999_999, since: 1_000 }]);
    expect(step.dropped).toEqual([]);
  });

  it('cuts a range around the rows seen in it, keeping its time', () => {
    const start: PollCursor = { position: 30_000, gaps: [{ from: 1_001, to: 21_000, since: 500 }] };
    const c = stepCursor(start, [1_001, 1_002, 5_000, 21_000], 1_000, POLICY).cursor;
    expect(c.gaps).toEqual([
      { from: 1_003, to: 4_999, since: 500 },
      { from: 5_001, to: 20_999, since: 500 },
    ]);
  });

  it('keeps position and gaps on an empty read', () => {
    expect(stepCursor(EMPTY_CURSOR, [], 1_000, POLICY).cursor).toEqual(EMPTY_CURSOR);
    const start: PollCursor = { position: 42, gaps: [one(40, 900)], dropped: [] };
    expect(stepCursor(start, [], 1_000, POLICY).cursor).toEqual(start);
  });

  it('returns gaps sorted by sequence', () => {
    const start: PollCursor = {
      position: 10,
      gaps: [one(7, 500), one(3, 400)],
    };
    const c = stepCursor(start, [12, 14], 1_000, POLICY).cursor;
    expect(seqsOf(c)).toEqual([3, 7, 11, 13]);
  });

  it('does not mutate its input cursor', () => {
    const start: PollCursor = { position: 5, gaps: [one(2, 0)] };
    const snapshot = structuredClone(start);
    stepCursor(start, [2, 6, 9], 1_000, POLICY);
    stepCursor(start, [], 1_000_000, POLICY);
    expect(start).toEqual(snapshot);
    expect(EMPTY_CURSOR).toEqual({ position: 0, gaps: [], dropped: [] });
  });
});

/* ------------------------------------------------------------------------- */
/* Simulation: out-of-order commits polled through the real query semantics. */
/* ------------------------------------------------------------------------- */

/** Deterministic PRNG (mulberry32), so a failure is reproducible from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

function fullShuffle(xs: number[], rand: () => number): number[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Each sequence commits at most about `window` places away from its allocation order. */
function boundedShuffle(xs: number[], window: number, rand: () => number): number[] {
  return xs
    .map((s) => ({ s, key: s + rand() * window }))
    .sort((a, b) => a.key - b.key)
    .map((x) => x.s);
}

/** `SELECT seq ... WHERE seq > ? OR seq BETWEEN ? AND ? ... ORDER BY seq LIMIT ?`, as MysqlErpSource issues it. */
function visibleQuery(committed: ReadonlySet<number>, cursor: PollCursor, limit: number): number[] {
  const ranges = rangesToRead(cursor);
  return [...committed]
    .filter((s) => s > cursor.position || inRanges(ranges, s))
    .sort((a, b) => a - b)
    .slice(0, limit);
}

interface SimResult {
  returned: number[];
  /** When each sequence was first recorded as a gap. */
  gapSince: Map<number, number>;
  commitAt: Map<number, number>;
  maxGapCount: number;
  polls: number;
}

function simulate(
  commitOrder: readonly number[],
  opts: {
    policy: GapPolicy;
    limit: number;
    stepMs: number;
    maxCommitsPerStep: number;
    seed: number;
  },
): SimResult {
  const rand = rng(opts.seed ^ 0x9e3779b9);
  const committed = new Set<number>();
  const returned: number[] = [];
  const gapSince = new Map<number, number>();
  const commitAt = new Map<number, number>();
  let cursor: PollCursor = EMPTY_CURSOR;
  let maxGapCount = 0;
  let next = 0;
  let polls = 0;
  let now = 0;
  for (;;) {
    now += opts.stepMs;
    // Commits land strictly between the previous poll and this one.
    const k = Math.floor(rand() * (opts.maxCommitsPerStep + 1));
    for (let i = 0; i < k && next < commitOrder.length; i++, next++) {
      const seq = commitOrder[next]!;
      committed.add(seq);
      commitAt.set(seq, now);
    }
    const seen = visibleQuery(committed, cursor, opts.limit);
    polls++;
    returned.push(...seen);
    cursor = stepCursor(cursor, seen, now, opts.policy).cursor;
    for (const g of singles(cursor.gaps)) if (!gapSince.has(g.seq)) gapSince.set(g.seq, g.since);
    maxGapCount = Math.max(maxGapCount, singles(cursor.gaps).length);
    if (next >= commitOrder.length && seen.length === 0) break;
    if (polls > 100_000) throw new Error('simulation did not settle');
  }
  return { returned, gapSince, commitAt, maxGapCount, polls };
}

/** The premise: every sequence that became a gap was committed before that gap expired. */
function expectCommitsBeforeExpiry(r: SimResult, ttl: number): void {
  for (const [seq, since] of r.gapSince) {
    const at = r.commitAt.get(seq);
    expect(at, `seq ${seq} was never committed`).toBeDefined();
    expect(at! - since, `seq ${seq} committed after its gap expired`).toBeLessThan(ttl);
  }
}

function expectExactlyOnce(returned: readonly number[], n: number): void {
  const counts = new Map<number, number>();
  for (const s of returned) counts.set(s, (counts.get(s) ?? 0) + 1);
  const repeated = [...counts].filter(([, c]) => c > 1).map(([s]) => s);
  const skipped = range(n).filter((s) => !counts.has(s));
  expect(repeated, 'sequences returned more than once').toEqual([]);
  expect(skipped, 'sequences never returned').toEqual([]);
  expect(returned).toHaveLength(n);
}

describe('stepCursor simulation: shuffled commits of sequences 1..200', () => {
  const N = 200;
  const SEEDS = range(25);

  it.each(SEEDS)('fully shuffled commit order, seed %i: every sequence exactly once', (seed) => {
    const order = fullShuffle(range(N), rng(seed));
    const policy: GapPolicy = { gapTtlMs: 10_000_000, lateWatchMs: 60_000 };
    const r = simulate(order, { policy, limit: 5, stepMs: 1_000, maxCommitsPerStep: 3, seed });
    expectCommitsBeforeExpiry(r, policy.gapTtlMs);
    expect(r.maxGapCount).toBeGreaterThan(0);
    expectExactlyOnce(r.returned, N);
  });

  it.each(SEEDS)(
    'locally shuffled commits with a tight gap TTL, seed %i: every sequence exactly once',
    (seed) => {
      const order = boundedShuffle(range(N), 8, rng(seed));
      // A late sequence commits within a few steps of its gap appearing (at most 10 s over
      // these seeds, checked below), so a 15 s TTL is tight against a run of 100+ polls.
      const policy: GapPolicy = { gapTtlMs: 15_000, lateWatchMs: 60_000 };
      const r = simulate(order, { policy, limit: 4, stepMs: 1_000, maxCommitsPerStep: 3, seed });
      expectCommitsBeforeExpiry(r, policy.gapTtlMs);
      expect(r.gapSince.size).toBeGreaterThan(0);
      expectExactlyOnce(r.returned, N);
    },
  );

  it('returns rows in ascending order within each poll and never repeats across polls', () => {
    const order = fullShuffle(range(N), rng(99));
    const policy: GapPolicy = { gapTtlMs: 10_000_000, lateWatchMs: 60_000 };
    const r = simulate(order, { policy, limit: 7, stepMs: 1_000, maxCommitsPerStep: 5, seed: 99 });
    expect(new Set(r.returned).size).toBe(r.returned.length);
    expect([...r.returned].sort((a, b) => a - b)).toEqual(range(N));
  });

  it('control: a cursor that gives gaps up at once skips rows on the same schedule', () => {
    const order = fullShuffle(range(N), rng(1));
    const policy: GapPolicy = { gapTtlMs: 0, lateWatchMs: 0 };
    const r = simulate(order, { policy, limit: 5, stepMs: 1_000, maxCommitsPerStep: 3, seed: 1 });
    expect(new Set(r.returned).size).toBe(r.returned.length);
    expect(r.returned.length).toBeLessThan(N);
  });

  /** Sequence 2 is held open for 30 steps; the gap TTL is 10 steps. */
  function lateCommit(policy: GapPolicy) {
    const order = [1, 3, 4, 5, 6, 7, 8, 9, 10];
    const committed = new Set<number>();
    const returned: number[] = [];
    const late: number[] = [];
    const dropped: number[] = [];
    let cursor: PollCursor = EMPTY_CURSOR;
    for (let step = 1; step <= 40; step++) {
      const now = step * 1_000;
      if (step <= order.length) committed.add(order[step - 1]!);
      if (step === 30) committed.add(2);
      const seen = visibleQuery(committed, cursor, 5);
      returned.push(...seen);
      const next = stepCursor(cursor, seen, now, policy);
      late.push(...next.late);
      dropped.push(...next.dropped.map((r) => r.from));
      cursor = next.cursor;
    }
    return { returned, late, dropped, cursor };
  }

  it('a sequence committed after its gap expired is still returned, once, and reported as late', () => {
    const r = lateCommit({ gapTtlMs: 10_000, lateWatchMs: 60_000 });
    expect(r.dropped).toEqual([2]);
    expect(r.late).toEqual([2]);
    expect([...r.returned].sort((a, b) => a - b)).toEqual(range(10));
    expect(r.cursor.gaps).toEqual([]);
    expect(r.cursor.dropped).toEqual([]);
  });

  it('control: a sequence committed after the late watch too is not returned', () => {
    const r = lateCommit({ gapTtlMs: 10_000, lateWatchMs: 5_000 });
    expect(r.returned).not.toContain(2);
    expect([...r.returned].sort((a, b) => a - b)).toEqual([1, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(r.cursor.dropped).toEqual([]);
  });
});
