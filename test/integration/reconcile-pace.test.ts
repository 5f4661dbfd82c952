import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPLY_POOL_OPTIONS, createApplyActivities } from '../../activities/apply-order-events';
import { createReconcileActivities } from '../../activities/reconcile';
import type { ReconcileSweepResult } from '../../activities/reconcile';
import { createPool } from '../../src/db/pool';
import { MysqlSqlClient } from '../../src/erp/sql/mysql-client';
import { BuiltinTargetSide } from '../../src/reconcile/adapters/builtin-target';
import { OutboxErpSide } from '../../src/reconcile/adapters/outbox-erp';
import { newFullSweep } from '../../src/reconcile/sweep-state';
import { seedOutbox } from '../../bench/reconcile-seed-outbox';
import { TestPipeline } from '../support/pipeline';

// The scheduled sweep's pacing (ORDERSYNC_RECONCILE_DUTY_CYCLE) on the real
// activity over the real MySQL: the same orders, the same verdict, one
// heartbeat per page, and at a duty of 0.1 the run spans several times as
// long as unpaced (the exact arithmetic is test/unit/reconcile-pace.test.ts).
const ORDERS = 200;
const PAGE = 20;
let p: TestPipeline;
let prefix: string;

beforeAll(async () => {
  p = await TestPipeline.create('rcpace');
  prefix = `RP-${p.runId}-`;
  const pool = createPool(p.cfg.ORDERSYNC_MYSQL_URL, { connectionLimit: 8, ...APPLY_POOL_OPTIONS });
  try {
    const ids = Array.from({ length: ORDERS }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`);
    await seedOutbox(p.writer, createApplyActivities({ pool }).applyOrderEvents, ids);
  } finally {
    await pool.end();
  }
}, 120_000);

afterAll(async () => {
  await p?.close();
});

async function sweep(dutyCycle: number) {
  const env = new MockActivityEnvironment({ startToCloseTimeoutMs: 30 * 60_000 });
  let beats = 0;
  env.on('heartbeat', () => beats++);
  const { reconcileSweep } = createReconcileActivities({
    sides: {
      erp: new OutboxErpSide(new MysqlSqlClient(p.reader)),
      target: new BuiltinTargetSide(p.app),
    },
    replay: () => Promise.reject(new Error('no repair in this test')),
    repairPerSecond: 1,
    dutyCycle,
    previousRun: () => Promise.resolve(undefined),
  });
  const started = performance.now();
  const result: ReconcileSweepResult = await env.run(reconcileSweep, {
    recentMs: 0,
    full: { state: newFullSweep(Date.now()), count: ORDERS },
    pageSize: PAGE,
    scope: { idPrefix: prefix },
  });
  return { result, ms: performance.now() - started, beats };
}

describe('a scheduled reconcile sweep at a duty cycle', () => {
  it('checks the same orders with the same verdict, and spans several times as long at 0.1', async () => {
    await sweep(1); // warm the connections and caches
    const unpaced = await sweep(1);
    const paced = await sweep(0.1);
    for (const s of [unpaced, paced]) {
      expect(s.result.checked).toBe(ORDERS);
      expect(s.result.suspects).toEqual([]);
      expect(s.beats).toBeGreaterThanOrEqual(ORDERS / PAGE);
    }
    // About 10x if the pages' work were equal; 4x leaves room for noise.
    expect(paced.ms).toBeGreaterThan(4 * unpaced.ms);
  }, 120_000);
});
