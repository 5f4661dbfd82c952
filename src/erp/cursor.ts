/**
 * The poll cursor. A plain high-water mark over an auto-increment sequence
 * loses rows: a transaction can take sequence 7, commit after 8 was read, and
 * never be seen (the failure Kafka Connect's JDBC source has). So the cursor
 * also remembers the sequences below the mark that were missing when read, as
 * ranges, and re-reads them on each poll until they appear or a time limit
 * passes (a rolled-back insert leaves a permanent gap). A jump of any size is
 * one range, so nothing is ever given up for lack of room.
 *
 * A range given up at the time limit is not forgotten at once: it is re-read
 * for `lateWatchMs` more, so a transaction that commits after the limit is
 * still produced, and reported as late.
 *
 * Pure and dialect-agnostic: every source reads `seq > position` plus the
 * ranges of `rangesToRead`, ordered by seq, and passes what it saw to
 * `stepCursor`.
 */

/** Sequences `from..to` (inclusive); `since`: when they were first missed (or, once dropped, when dropped). */
export interface GapRange {
  from: number;
  to: number;
  since: number;
}

export interface PollCursor {
  position: number;
  /** Missing sequences below `position`, still waited for, ascending and disjoint. */
  gaps: GapRange[];
  /** Sequences given up at the gap TTL, still looked for as late rows; absent means none. */
  dropped?: GapRange[];
}

export const EMPTY_CURSOR: PollCursor = { position: 0, gaps: [], dropped: [] };

export interface GapPolicy {
  /** How long a missing sequence is re-checked before it is taken for a rollback. */
  gapTtlMs: number;
  /** How long a dropped sequence is still looked for, so a row committed after the TTL is produced late. */
  lateWatchMs: number;
}

export const DEFAULT_GAP_POLICY: GapPolicy = {
  gapTtlMs: 10 * 60_000,
  lateWatchMs: 24 * 60 * 60_000,
};

/** Why a gap was given up: it stayed missing past `gapTtlMs`. */
export type GapDropReason = 'expired';

/** Consecutive sequences `from..to` (inclusive) given up for one reason. */
export interface DroppedGapRange {
  reason: GapDropReason;
  from: number;
  to: number;
}

export interface CursorStep {
  cursor: PollCursor;
  /** Every sequence this step stopped waiting for, as ranges in ascending order. */
  dropped: DroppedGapRange[];
  /** Sequences seen in this read that had been dropped earlier: rows committed after the gap TTL. */
  late: number[];
  /** Dropped sequences no longer looked for (`lateWatchMs` passed), as ranges. */
  forgotten: Array<{ from: number; to: number }>;
}

/** The ranges below the position a read must include besides `seq > position`, merged where adjacent. */
export function rangesToRead(cursor: PollCursor): Array<{ from: number; to: number }> {
  const all = [...cursor.gaps, ...(cursor.dropped ?? [])].sort((a, b) => a.from - b.from);
  const out: Array<{ from: number; to: number }> = [];
  for (const r of all) {
    const last = out.at(-1);
    if (last && r.from <= last.to + 1) last.to = Math.max(last.to, r.to);
    else out.push({ from: r.from, to: r.to });
  }
  return out;
}

/** Whether `seq` lies in one of `ranges` (ascending, disjoint). */
export function inRanges(
  ranges: ReadonlyArray<{ from: number; to: number }>,
  seq: number,
): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = ranges[mid]!;
    if (seq < r.from) hi = mid - 1;
    else if (seq > r.to) lo = mid + 1;
    else return true;
  }
  return false;
}

/** How many sequences the ranges cover. */
export function countSeqs(ranges: ReadonlyArray<{ from: number; to: number }>): number {
  return ranges.reduce((n, r) => n + r.to - r.from + 1, 0);
}

/**
 * The cursor after a read that returned `seen` (sequence numbers) from the
 * query `seq > position OR seq in rangesToRead(cursor) ORDER BY seq LIMIT pageLimit`.
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
  const sorted = [...new Set(seen)].sort((a, b) => a - b);
  const lastSeen = sorted.at(-1) ?? 0;
  const readUpTo = seen.length < pageLimit ? Number.POSITIVE_INFINITY : lastSeen;
  const high = Math.max(lastSeen, cursor.position);

  const gaps: GapRange[] = [];
  const expired: GapRange[] = [];
  for (const piece of cursor.gaps.flatMap((g) => withoutSeen(g, sorted))) {
    const [readable, unread] = splitAt(piece, readUpTo);
    if (readable && now - readable.since >= policy.gapTtlMs) expired.push(readable);
    else if (readable) gaps.push(readable);
    if (unread) gaps.push(unread);
  }
  for (const hole of holes(cursor.position + 1, high - 1, sorted))
    gaps.push({ ...hole, since: now });

  const late: number[] = [];
  const dropped: GapRange[] = [];
  const forgotten: Array<{ from: number; to: number }> = [];
  for (const d of cursor.dropped ?? []) {
    for (let i = lowerBound(sorted, d.from); i < sorted.length && sorted[i]! <= d.to; i++)
      late.push(sorted[i]!);
    for (const piece of withoutSeen(d, sorted)) {
      const [readable, unread] = splitAt(piece, readUpTo);
      if (readable && now - readable.since >= policy.lateWatchMs)
        forgotten.push({ from: readable.from, to: readable.to });
      else if (readable) dropped.push(readable);
      if (unread) dropped.push(unread);
    }
  }
  dropped.push(...expired.map((r) => ({ from: r.from, to: r.to, since: now })));

  const byFrom = (a: { from: number }, b: { from: number }) => a.from - b.from;
  return {
    cursor: { position: high, gaps: gaps.sort(byFrom), dropped: dropped.sort(byFrom) },
    dropped: expired.sort(byFrom).map((r) => ({ reason: 'expired', from: r.from, to: r.to })),
    late,
    forgotten: forgotten.sort(byFrom),
  };
}

/** How many sequences the ranges cover, of one reason or all. */
export function countDropped(ranges: readonly DroppedGapRange[], reason?: GapDropReason): number {
  return countSeqs(ranges.filter((r) => reason === undefined || r.reason === reason));
}

/**
 * A stored cursor in either format: gaps as ranges with the dropped ranges
 * (`{ gaps, dropped }`), or the list of single sequences (`[{ seq, since }]`)
 * that releases before ranges wrote. Consecutive old sequences with the same
 * time become one range, so their expiry is unchanged.
 */
export function cursorFromStored(position: number, stored: unknown): PollCursor {
  if (Array.isArray(stored)) {
    const gaps: GapRange[] = [];
    const old = (stored as Array<{ seq: number | string; since: number }>)
      .map((g) => ({ seq: Number(g.seq), since: Number(g.since) }))
      .sort((a, b) => a.seq - b.seq);
    for (const g of old) {
      const last = gaps.at(-1);
      if (last && last.to + 1 === g.seq && last.since === g.since) last.to = g.seq;
      else if (!last || g.seq > last.to) gaps.push({ from: g.seq, to: g.seq, since: g.since });
    }
    return { position, gaps, dropped: [] };
  }
  const s = (stored ?? {}) as { gaps?: GapRange[]; dropped?: GapRange[] };
  return { position, gaps: s.gaps ?? [], dropped: s.dropped ?? [] };
}

/**
 * What `cursorFromStored` reads back. An object, not a list: a worker of an
 * older release that meets it fails its poll (and retries elsewhere) instead
 * of misreading ranges as single sequences.
 */
export function cursorToStored(cursor: PollCursor): { gaps: GapRange[]; dropped: GapRange[] } {
  return { gaps: cursor.gaps, dropped: cursor.dropped ?? [] };
}

/** `range` less the sequences in `sorted` (ascending), as the pieces left, each with its `since`. */
function withoutSeen(range: GapRange, sorted: readonly number[]): GapRange[] {
  const out: GapRange[] = [];
  let next = range.from;
  for (let i = lowerBound(sorted, range.from); i < sorted.length && sorted[i]! <= range.to; i++) {
    const s = sorted[i]!;
    if (s > next) out.push({ from: next, to: s - 1, since: range.since });
    next = s + 1;
  }
  if (next <= range.to) out.push({ from: next, to: range.to, since: range.since });
  return out;
}

/** The part of `range` at or below `upTo`, and the part above it; either may be absent. */
function splitAt(range: GapRange, upTo: number): [GapRange | null, GapRange | null] {
  if (range.to <= upTo) return [range, null];
  if (range.from > upTo) return [null, range];
  return [
    { ...range, to: upTo },
    { ...range, from: upTo + 1 },
  ];
}

/** Sequences `from..to` that are not in `sorted` (ascending), as ranges, without enumerating a wide span. */
function holes(
  from: number,
  to: number,
  sorted: readonly number[],
): Array<{ from: number; to: number }> {
  const out: Array<{ from: number; to: number }> = [];
  let next = from;
  for (let i = lowerBound(sorted, from); i < sorted.length && sorted[i]! <= to; i++) {
    const s = sorted[i]!;
    if (s > next) out.push({ from: next, to: s - 1 });
    next = s + 1;
  }
  if (next <= to) out.push({ from: next, to });
  return out;
}

/** The index of the first element of `sorted` that is at least `x`. */
function lowerBound(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
