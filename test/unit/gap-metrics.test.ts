import { describe, expect, it } from 'vitest';
import { stepCursor } from '../../src/erp/cursor';
import type { GapPolicy, PollCursor } from '../../src/erp/cursor';
import { recordDroppedGaps } from '../../src/erp/gap-stats';
import { pollGapsDropped } from '../../src/observability/metrics';

const dropped = async (reason: string) =>
  (await pollGapsDropped.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;

/** One poll as the activity does it: step the cursor, then record what it dropped. */
function poll(cursor: PollCursor, seen: number[], now: number, policy: GapPolicy): PollCursor {
  const step = stepCursor(cursor, seen, now, policy);
  recordDroppedGaps(step.dropped);
  return step.cursor;
}

describe('ordersync_poll_gaps_dropped_total', () => {
  it('counts gaps that expire, not ones that are filled', async () => {
    pollGapsDropped.reset();
    const policy = { gapTtlMs: 1000, lateWatchMs: 60_000 };
    const c1 = poll({ position: 0, gaps: [] }, [1, 4, 6], 0, policy); // gaps 2, 3, 5
    const c2 = poll(c1, [3], 500, policy); // 3 filled
    expect(await dropped('expired')).toBe(0);
    poll(c2, [], 1500, policy); // 2 and 5 expire
    expect(await dropped('expired')).toBe(2);
  });
});
