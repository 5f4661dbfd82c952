import { expect } from 'vitest';
import type { ScenarioResult } from '../../chaos/harness';
import { driftCounts } from './reconcile-run';

/** What every chaos scenario in a test must show: it ran, nothing lost or applied twice, and it passed. */
export function expectCleanRun(r: ScenarioResult) {
  expect(r.notes.filter((n) => n.startsWith('scenario failed'))).toEqual([]);
  expect(r.lost).toBe(0);
  expect(r.duplicates).toBe(0);
  expect(r.applied + r.skipped).toBeGreaterThan(0);
  // The closing reconcile check found nothing: no drift of any kind, no false positive.
  expect(r.reconcileDrift).toEqual(driftCounts({}));
  expect(r.pass).toBe(true);
}
