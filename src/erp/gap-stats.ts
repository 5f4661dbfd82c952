import type { DroppedGapRange } from './cursor';
import { countDropped } from './cursor';
import { countDroppedGaps } from '../observability/metrics';

/**
 * Adds the sequences of a saved cursor step, per reason, to the counter
 * `ordersync_poll_gaps_dropped_total{reason}`, the one running total.
 */
export function recordDroppedGaps(ranges: readonly DroppedGapRange[]): void {
  for (const reason of ['expired', 'cap'] as const)
    countDroppedGaps(reason, countDropped(ranges, reason));
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
