import { ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import type { Client, ScheduleDescription } from '@temporalio/client';
import { erpPollWorkflow } from '../../workflows/erp-poll';

export const POLL_SCHEDULE_ID = 'ordersync-erp-poll';

export interface PollScheduleOptions {
  taskQueue: string;
  everyMs: number;
  catchupWindowMs: number;
}

/** Creates the poll Schedule, or updates its interval if it exists. Returns whether it was created. */
export async function upsertPollSchedule(client: Client, opts: PollScheduleOptions): Promise<boolean> {
  const spec = { intervals: [{ every: opts.everyMs }] };
  const handle = client.schedule.getHandle(POLL_SCHEDULE_ID);
  try {
    await handle.describe();
    await handle.update((prev) => ({ ...prev, spec }));
    return false;
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  }
  await client.schedule.create({
    scheduleId: POLL_SCHEDULE_ID,
    spec,
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: opts.catchupWindowMs },
    action: {
      type: 'startWorkflow',
      workflowType: erpPollWorkflow,
      taskQueue: opts.taskQueue,
      workflowId: `${POLL_SCHEDULE_ID}-run`,
    },
  });
  return true;
}

export async function describePollSchedule(client: Client): Promise<ScheduleDescription> {
  return client.schedule.getHandle(POLL_SCHEDULE_ID).describe();
}

export function pollScheduleHandle(client: Client) {
  return client.schedule.getHandle(POLL_SCHEDULE_ID);
}
