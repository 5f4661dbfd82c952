import { proxyActivities, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { PollReport } from '../activities/poll-erp';
import { POLL_ACTIVITY_TIMEOUT_MS, pollTaskQueue } from '../src/erp/poll-settings';
import { POLL_ACTIVITY_SUMMARY, POLL_STARTED_DETAILS, pollDetails } from './poll-details';

/** What the Schedule passes: the queue of the poll activity, which is also this workflow's own. */
export interface ErpPollInput {
  activityTaskQueue: string;
  /**
   * The Schedule's interval. With it, the poll keeps watching the change log
   * for up to its budget, closing just before one of the Schedule's runs is due
   * (Schedules written by earlier releases lack it: their runs catch up once
   * and return).
   */
  everyMs?: number;
}

/**
 * Started by the Schedule: one bounded poll of the ERP change log into Kafka.
 * The Schedule starts it on the poll task queue, so a backlog of order
 * workflow tasks on the main queue cannot hold its first task back. Runs
 * started without input (earlier Schedules, tests) derive the queue from their own.
 */
export async function erpPollWorkflow(input?: ErpPollInput): Promise<PollReport> {
  const { pollErpToKafka } = proxyActivities<Activities>({
    taskQueue: input?.activityTaskQueue ?? pollTaskQueue(workflowInfo().taskQueue),
    startToCloseTimeout: POLL_ACTIVITY_TIMEOUT_MS,
    // A poll spends most of its budget watching, so a worker killed with -9 is
    // usually mid-poll; the Schedule starts no new run until this attempt times
    // out and is retried. The activity heartbeats at least every 5 s.
    heartbeatTimeout: '10s',
    retry: {
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '30s',
      maximumAttempts: 5,
      nonRetryableErrorTypes: [],
    },
    summary: POLL_ACTIVITY_SUMMARY,
  });
  setCurrentDetails(POLL_STARTED_DETAILS);
  const report = input?.everyMs
    ? await pollErpToKafka({ everyMs: input.everyMs })
    : await pollErpToKafka();
  setCurrentDetails(pollDetails(report));
  return report;
}
