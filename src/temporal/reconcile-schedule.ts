import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import { reconcileWorkflow } from '../../workflows/reconcile';
import type { ReconcileInput } from '../../workflows/reconcile';
import { RECONCILE_SUMMARY } from '../../workflows/reconcile-details';
import { upsertWorkflowSchedule } from './schedule';

/**
 * The result of the newest completed run `scheduleId` started (undefined: none).
 * Visibility lists newest first; the id is quoted, never trusted as query text.
 */
export async function previousScheduledRun(client: Client, scheduleId: string): Promise<unknown> {
  const quoted = JSON.stringify(scheduleId);
  const runs = client.workflow.list({
    query: `TemporalScheduledById = ${quoted} AND ExecutionStatus = "Completed"`,
    pageSize: 1,
  });
  for await (const wf of runs) return client.workflow.getHandle(wf.workflowId, wf.runId).result();
  return undefined;
}

/** The reconcile workflow's input from the configuration, with the Schedule's interval. */
export function reconcileInputFromConfig(cfg: Config, everyMs: number): ReconcileInput {
  return {
    everyMs,
    recentMs: cfg.ORDERSYNC_RECONCILE_RECENT,
    fullEveryMs: cfg.ORDERSYNC_RECONCILE_FULL_EVERY,
    pageSize: cfg.ORDERSYNC_RECONCILE_PAGE_SIZE,
    maxPerRun: cfg.ORDERSYNC_RECONCILE_MAX_PER_RUN,
    recheckDelayMs: cfg.ORDERSYNC_RECONCILE_RECHECK_DELAY,
    repair: cfg.ORDERSYNC_RECONCILE_REPAIR,
  };
}

/**
 * Creates the reconcile Schedule, or updates it. The input carries the
 * settings, so a changed setting takes effect when the Schedule is created
 * again. A missed run is caught up within one interval (at least a minute).
 */
export function upsertReconcileSchedule(
  client: Client,
  opts: { scheduleId: string; taskQueue: string; input: ReconcileInput },
): Promise<boolean> {
  return upsertWorkflowSchedule(client, {
    scheduleId: opts.scheduleId,
    everyMs: opts.input.everyMs,
    catchupWindowMs: Math.max(opts.input.everyMs, 60_000),
    workflowType: reconcileWorkflow,
    taskQueue: opts.taskQueue,
    args: [{ ...opts.input, scheduleId: opts.scheduleId }],
    summary: RECONCILE_SUMMARY,
  });
}
