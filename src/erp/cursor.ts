/**
 * The poll cursor. A plain high-water mark over an auto-increment sequence
 * loses rows: a transaction can take sequence 7, commit after 8 was read, and
 * never be seen (the failure Kafka Connect's JDBC source has). So the cursor
 * also remembers every sequence below the mark that was missing when read, and
 * re-checks those gaps on each poll until they appear or a time limit passes
 * (a rolled-back insert leaves a permanent gap).
 */
export interface PollCursor {
  position: number;
  gaps: Array<{ seq: number; since: number }>;
}

export const EMPTY_CURSOR: PollCursor = { position: 0, gaps: [] };

export interface GapPolicy {
  /** How long a missing sequence is re-checked before it is taken for a rollback. */
  gapTtlMs: number;
  /** Most gaps remembered; the oldest are dropped first. */
  maxGaps: number;
}

export const DEFAULT_GAP_POLICY: GapPolicy = { gapTtlMs: 10 * 60_000, maxGaps: 10_000 };

/** Why a gap was given up: it stayed missing past `gapTtlMs`, or `maxGaps` left no room for it. */
export type GapDropReason = 'expired' | 'cap';

/** Consecutive sequences `from..to` (inclusive) given up for one reason. */
export interface DroppedGapRange {
  reason: GapDropReason;
  from: number;
  to: number;
}

export interface CursorStep {
  cursor: PollCursor;
  /** Every sequence this step stopped waiting for, as ranges in ascending order per reason. */
  dropped: DroppedGapRange[];
}

/**
 * The cursor after a read that returned `seen` (sequence numbers, ascending)
 * from the query `seq > position OR seq IN (gaps) ORDER BY seq LIMIT pageLimit`.
 *
 * A gap may expire only if this read could have returned it: the page was not
 * full, or the gap lies below the page's last row. A full page cut off at its
 * limit says nothing about the gaps above it, however old they are.
 */
export function stepCursor(
  cursor: PollCursor,
  seen: readonly number[],
  now: number,
  policy: GapPolicy = DEFAULT_GAP_POLICY,
  pageLimit = Number.POSITIVE_INFINITY,
): CursorStep {
  const seenSet = new Set(seen);
  const lastSeen = seen.reduce((m, s) => Math.max(m, s), 0);
  const readUpTo = seen.length < pageLimit ? Number.POSITIVE_INFINITY : lastSeen;
  const high = Math.max(lastSeen, cursor.position);
  const expired: number[] = [];
  const gaps = cursor.gaps.filter((g) => {
    if (seenSet.has(g.seq)) return false;
    if (g.seq > readUpTo || now - g.since < policy.gapTtlMs) return true;
    expired.push(g.seq);
    return false;
  });
  const capped: number[] = [];
  // A jump larger than maxGaps (a purged or re-seeded log) keeps only the newest
  // gaps instead of allocating one object per missing sequence.
  const firstKept = Math.max(cursor.position + 1, high - policy.maxGaps);
  const skipped = holes(cursor.position + 1, firstKept - 1, seen);
  for (let s = firstKept; s < high; s++) {
    if (!seenSet.has(s)) gaps.push({ seq: s, since: now });
  }
  gaps.sort((a, b) => a.seq - b.seq);
  const overflow = gaps.length - policy.maxGaps;
  if (overflow > 0) capped.push(...gaps.slice(0, overflow).map((g) => g.seq));
  return {
    cursor: { position: high, gaps: overflow > 0 ? gaps.slice(overflow) : gaps },
    dropped: [
      ...toRanges(expired, 'expired'),
      ...mergeRanges([...skipped, ...toRanges(capped, 'cap')]),
    ],
  };
}

/** How many sequences the ranges cover. */
export function countDropped(ranges: readonly DroppedGapRange[], reason?: GapDropReason): number {
  return ranges
    .filter((r) => reason === undefined || r.reason === reason)
    .reduce((n, r) => n + r.to - r.from + 1, 0);
}

/** Sequences `from..to` that are not in `seen`, as `cap` ranges, without enumerating a wide span. */
function holes(from: number, to: number, seen: readonly number[]): DroppedGapRange[] {
  const out: DroppedGapRange[] = [];
  let next = from;
  for (const s of [...seen].sort((a, b) => a - b)) {
    if (s < next || s > to) continue;
    if (s > next) out.push({ reason: 'cap', from: next, to: s - 1 });
    next = s + 1;
  }
  if (next <= to) out.push({ reason: 'cap', from: next, to });
  return out;
}

function toRanges(seqs: readonly number[], reason: GapDropReason): DroppedGapRange[] {
  const out: DroppedGapRange[] = [];
  for (const s of [...seqs].sort((a, b) => a - b)) {
    const last = out.at(-1);
    if (last && s === last.to + 1) last.to = s;
    else out.push({ reason, from: s, to: s });
  }
  return out;
}

function mergeRanges(ranges: DroppedGapRange[]): DroppedGapRange[] {
  const out: DroppedGapRange[] = [];
  for (const r of [...ranges].sort((a, b) => a.from - b.from)) {
    const last = out.at(-1);
    if (last && r.from === last.to + 1) last.to = r.to;
    else out.push({ ...r });
  }
  return out;
}
