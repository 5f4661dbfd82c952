import { expect } from 'vitest';
import {
  reconcileInputFromConfig,
  upsertReconcileSchedule,
} from '../../src/temporal/reconcile-schedule';
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

/**
 * Creates the reconcile Schedule `scheduleId` on `p`'s task queue, over ids
 * starting with `idPrefix`, paused: it runs only when a test triggers it (its
 * hourly interval fires on the hour, and a run in between would move the full
 * sweep and the repair backoff under the test).
 */
export async function createReconcileSchedule(
  p: TestPipeline,
  scheduleId: string,
  idPrefix: string,
  recheckDelayMs: number,
): Promise<void> {
  await upsertReconcileSchedule(p.client, {
    scheduleId,
    taskQueue: p.cfg.ORDERSYNC_TASK_QUEUE,
    input: { ...reconcileInputFromConfig(p.cfg, 3_600_000), recheckDelayMs, idPrefix },
  });
  await p.client.schedule.getHandle(scheduleId).pause('runs only when the test triggers it');
}

/** Deletes the reconcile Schedule `scheduleId`, if it was created. */
export async function deleteReconcileSchedule(
  p: TestPipeline | undefined,
  scheduleId: () => string,
): Promise<void> {
  if (!p) return;
  await p.client.schedule
    .getHandle(scheduleId())
    .delete()
    .catch(() => undefined);
}
