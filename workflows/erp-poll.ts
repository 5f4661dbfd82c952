import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { PollReport } from '../activities/poll-erp';

const { pollErpToKafka } = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  heartbeatTimeout: '30s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    maximumAttempts: 5,
    nonRetryableErrorTypes: [],
  },
});

/** Started by the Schedule: one bounded poll of the ERP change log into Kafka. */
export async function erpPollWorkflow(): Promise<PollReport> {
  return pollErpToKafka();
}
