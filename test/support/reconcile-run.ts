import { expect } from 'vitest';
import { waitForNoOpenRun } from '../../src/temporal/schedule';
import type { ReconcileRunResult } from '../../workflows/reconcile';
import { eventually } from './env';
import type { TestPipeline } from './pipeline';

/** Triggers the reconcile Schedule `scheduleId` and returns the run's result. */
export async function reconcileRun(
  p: TestPipeline,
  scheduleId: string,
): Promise<ReconcileRunResult> {
  const handle = p.client.schedule.getHandle(scheduleId);
  // The Schedule hands a run's result to its next run once it has seen the run close.
  expect(await waitForNoOpenRun(handle, 60_000)).toBe(true);
  const before = (await handle.describe()).info.numActionsTaken;
  await handle.trigger();
  const workflowId = await eventually(
    async () => {
      const d = await handle.describe();
      return d.info.numActionsTaken > before
        ? d.info.recentActions.at(-1)!.action.workflow.workflowId
        : undefined;
    },
    30_000,
    'the reconcile Schedule to start a run',
  );
  return p.client.workflow.getHandle<() => Promise<ReconcileRunResult>>(workflowId).result();
}

/** Drift counts: zero for every kind not given. */
export const driftCounts = (c: Partial<ReconcileRunResult['counts']>) => ({
  missing: 0,
  behind: 0,
  differs: 0,
  missing_invoice: 0,
  extra_invoice: 0,
  orphan: 0,
  ...c,
});
