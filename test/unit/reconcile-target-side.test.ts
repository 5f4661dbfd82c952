import type { Pool } from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { BuiltinTargetSide } from '../../src/reconcile/adapters/builtin-target';
import { SqlTargetSide } from '../../src/reconcile/adapters/sql-target';
import { reconcileTargetSide } from '../../src/reconcile/adapters/target-side';
import { createBuiltinTarget } from '../../src/target/builtin';
import { createTarget } from '../../src/target/create-target';
import { MAGENTO_MAPPING } from '../support/target-fixture';

// No query runs: the sides only keep the pool until they read.
const pool = {} as Pool;

describe('the target side reconciliation reads', () => {
  it('is the built-in tables for the built-in target', () => {
    const cfg = { ORDERSYNC_TARGET: 'builtin' as const, ORDERSYNC_TARGET_MAPPING: undefined };
    expect(reconcileTargetSide(cfg, createBuiltinTarget(), pool)).toBeInstanceOf(BuiltinTargetSide);
  });

  it("is the mapping's read_order.sql for a SQL target", () => {
    const cfg = { ORDERSYNC_TARGET: 'sql' as const, ORDERSYNC_TARGET_MAPPING: MAGENTO_MAPPING };
    expect(reconcileTargetSide(cfg, createTarget(cfg), pool)).toBeInstanceOf(SqlTargetSide);
  });
});
