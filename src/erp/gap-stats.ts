import type { DroppedGapRange } from './cursor';
import { countDropped } from './cursor';
import { countDroppedGaps } from '../observability/metrics';

/**
 * Adds the sequences of a saved cursor step, per reason, to the counter
 * `ordersync_poll_gaps_dropped_total{reason}`, the one running total.
 */
export function recordDroppedGaps(ranges: readonly DroppedGapRange[]): void {
  countDroppedGaps('expired', countDropped(ranges, 'expired'));
}

/** Ranges as `3-5,9`, in lines of at most `perLine` ranges, for logs (sequence numbers only). */
export function describeRanges(
  ranges: ReadonlyArray<{ from: number; to: number }>,
  perLine = 200,
): string[] {
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
