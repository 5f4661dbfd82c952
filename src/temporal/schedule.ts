import { ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import type { Client, ScheduleDescription, ScheduleHandle, Workflow } from '@temporalio/client';
import { erpPollWorkflow } from '../../workflows/erp-poll';
import type { ErpPollInput } from '../../workflows/erp-poll';
import { pollTaskQueue } from '../erp/poll-settings';
import { POLL_SUMMARY } from '../../workflows/poll-details';

export interface PollScheduleOptions {
  scheduleId: string;
  taskQueue: string;
  everyMs: number;
  catchupWindowMs: number;
}

/**
 * Creates the poll Schedule, or updates its interval if it exists. Returns
 * whether it was created. `taskQueue` is the main queue; the poll workflow and
 * its activity run on the poll queue beside it, so a backlog of order workflow
 * tasks never holds polling back (it did: a burst after 20,000 opened orders
 * left the poll's first task waiting for minutes and applied nothing).
 */
export async function upsertPollSchedule(
  client: Client,
  opts: PollScheduleOptions,
): Promise<boolean> {
  const pollQueue = pollTaskQueue(opts.taskQueue);
  const args: [ErpPollInput] = [{ activityTaskQueue: pollQueue, everyMs: opts.everyMs }];
  return upsertWorkflowSchedule(client, {
    scheduleId: opts.scheduleId,
    everyMs: opts.everyMs,
    catchupWindowMs: opts.catchupWindowMs,
    workflowType: erpPollWorkflow,
    taskQueue: pollQueue,
    args,
    summary: POLL_SUMMARY,
  });
}

/**
 * Creates a Schedule that starts `workflowType` every `everyMs` with overlap
 * SKIP (a run still open is never doubled), or updates its interval, queue,
 * input and summary if it exists. Returns whether it was created.
 */
export async function upsertWorkflowSchedule(
  client: Client,
  opts: {
    scheduleId: string;
    everyMs: number;
    catchupWindowMs: number;
    workflowType: Workflow;
    taskQueue: string;
    args: unknown[];
    summary: string;
  },
): Promise<boolean> {
  const spec = { intervals: [{ every: opts.everyMs }] };
  const { taskQueue, args, summary } = opts;
  const handle = client.schedule.getHandle(opts.scheduleId);
  try {
    await handle.describe();
    await handle.update((prev) => ({
      ...prev,
      action: { ...prev.action, taskQueue, args, staticSummary: summary },
      spec,
      policies: {
        ...prev.policies,
        overlap: ScheduleOverlapPolicy.SKIP,
        catchupWindow: opts.catchupWindowMs,
      },
    }));
    return false;
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  }
  await client.schedule.create({
    scheduleId: opts.scheduleId,
    spec,
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: opts.catchupWindowMs },
    action: {
      type: 'startWorkflow',
      workflowType: opts.workflowType,
      taskQueue,
      args,
      workflowId: `${opts.scheduleId}-run`,
      staticSummary: summary,
    },
  });
  return true;
}

export async function describePollSchedule(
  client: Client,
  scheduleId: string,
): Promise<ScheduleDescription> {
  return client.schedule.getHandle(scheduleId).describe();
}

/**
 * Waits until none of the Schedule's runs is open: a paused Schedule starts no
 * run, but the open one watches the change log until its budget ends. False if
 * one is still open after `timeoutMs`.
 */
export async function waitForNoOpenRun(
  handle: ScheduleHandle,
  timeoutMs: number,
): Promise<boolean> {
  for (const until = Date.now() + timeoutMs; Date.now() < until;) {
    if ((await handle.describe()).info.runningActions.length === 0) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}
