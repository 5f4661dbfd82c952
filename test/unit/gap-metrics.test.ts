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
    const policy = { gapTtlMs: 1000, maxGaps: 100 };
    const c1 = poll({ position: 0, gaps: [] }, [1, 4, 6], 0, policy); // gaps 2, 3, 5
    const c2 = poll(c1, [3], 500, policy); // 3 filled
    expect(await dropped('expired')).toBe(0);
    poll(c2, [], 1500, policy); // 2 and 5 expire
    expect(await dropped('expired')).toBe(2);
  });

  it('counts gaps beyond the cap, including a jump past it', async () => {
    pollGapsDropped.reset();
    const policy = { gapTtlMs: 60_000, maxGaps: 3 };
    const c1 = poll({ position: 0, gaps: [] }, [4], 0, policy); // gaps 1, 2, 3
    expect(await dropped('cap')).toBe(0);
    poll(c1, [6], 0, policy); // 5 is new: 4 gaps, the oldest goes
    expect(await dropped('cap')).toBe(1);
    pollGapsDropped.reset();
    poll({ position: 0, gaps: [] }, [2, 10], 0, policy); // 1, 3..9 missing: 8, keep 3
    expect(await dropped('cap')).toBe(5);
  });
});
