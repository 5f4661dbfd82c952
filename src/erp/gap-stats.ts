import type { DroppedGapRange, GapDropReason } from './cursor';
import { countDropped } from './cursor';
import { countDroppedGaps } from '../observability/metrics';

/**
 * Change-log sequences the poll cursor stopped waiting for, counted per reason
 * since the process started: the source of the metric
 * `ordersync_poll_gaps_dropped_total{reason}`.
 */
const totals: Record<GapDropReason, number> = { expired: 0, cap: 0 };

/** Adds the sequences of a saved cursor step to the totals. */
export function recordDroppedGaps(ranges: readonly DroppedGapRange[]): void {
  for (const reason of ['expired', 'cap'] as const) {
    const n = countDropped(ranges, reason);
    totals[reason] += n;
    countDroppedGaps(reason, n);
  }
}

/** A copy of the totals, e.g. for a metrics exporter to read on each scrape. */
export function droppedGapTotals(): Readonly<Record<GapDropReason, number>> {
  return { ...totals };
}

/** Ranges as `3-5,9`, in lines of at most `perLine` ranges, for logs (sequence numbers only). */
export function describeRanges(ranges: readonly DroppedGapRange[], perLine = 200): string[] {
  const lines: string[] = [];
  for (let i = 0; i < ranges.length; i += perLine) {
    lines.push(
      ranges
        .slice(i, i + perLine)
        .map((r) => (r.from === r.to ? String(r.from) : `${r.from}-${r.to}`))
        .join(','),
    );
  }
  return lines;
}
