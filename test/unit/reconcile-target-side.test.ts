import type { Pool } from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { BuiltinTargetSide } from '../../src/reconcile/adapters/builtin-target';
import {
  RECONCILE_UNSUPPORTED_TARGET,
  reconcileTargetSide,
} from '../../src/reconcile/adapters/target-side';

// No query runs: the built-in side only keeps the pool, and the sql side refuses before any read.
const pool = {} as Pool;

describe('the target side reconciliation reads', () => {
  it('is the built-in tables for the built-in target', () => {
    expect(reconcileTargetSide('builtin', pool)).toBeInstanceOf(BuiltinTargetSide);
  });

  it('refuses every read, not retried, for a SQL mapping instead of reading empty built-in tables', async () => {
    const side = reconcileTargetSide('sql', pool);
    for (const read of [side.readOrders(['O-1']), side.orderIdsAfter(null, 10, {})])
      await expect(read).rejects.toMatchObject({
        type: RECONCILE_UNSUPPORTED_TARGET,
        nonRetryable: true,
        message: expect.stringContaining('ORDERSYNC_TARGET=sql') as string,
      });
  });
});
