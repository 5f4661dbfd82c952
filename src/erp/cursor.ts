import { countDroppedGaps } from '../observability/metrics';

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

/**
 * The cursor after a read that returned `seen` (sequence numbers, ascending)
 * from the query `seq > position OR seq IN (gaps) ORDER BY seq LIMIT n`.
 */
export function advanceCursor(
  cursor: PollCursor,
  seen: readonly number[],
  now: number,
  policy: GapPolicy = DEFAULT_GAP_POLICY,
): PollCursor {
  const seenSet = new Set(seen);
  const high = seen.reduce((m, s) => Math.max(m, s), cursor.position);
  const open = cursor.gaps.filter((g) => !seenSet.has(g.seq));
  const gaps = open.filter((g) => now - g.since < policy.gapTtlMs);
  countDroppedGaps('expired', open.length - gaps.length);
  // A jump larger than maxGaps (a purged or re-seeded log) keeps only the newest
  // gaps instead of allocating one object per missing sequence.
  const first = Math.max(cursor.position + 1, high - policy.maxGaps);
  countDroppedGaps(
    'cap',
    first - (cursor.position + 1) - seen.filter((s) => s > cursor.position && s < first).length,
  );
  for (let s = first; s < high; s++) {
    if (!seenSet.has(s)) gaps.push({ seq: s, since: now });
  }
  gaps.sort((a, b) => a.seq - b.seq);
  const overflow = gaps.length - policy.maxGaps;
  countDroppedGaps('cap', overflow);
  return { position: high, gaps: overflow > 0 ? gaps.slice(overflow) : gaps };
}
