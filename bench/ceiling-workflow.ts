// The raw-Temporal ceiling: one workflow per key, fed by signalWithStart, one
// trivial activity per event. No Kafka, no MySQL.
import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';

export const ceilingEvent = defineSignal<[number]>('event');

const { trivialApply } = proxyActivities<{ trivialApply(v: number): Promise<number> }>({
  startToCloseTimeout: '30s',
  retry: {
    initialInterval: '200ms',
    backoffCoefficient: 2,
    maximumInterval: '5s',
    nonRetryableErrorTypes: [],
  },
});

export async function ceilingWorkflow(expected: number): Promise<number> {
  const queue: number[] = [];
  setHandler(ceilingEvent, (v) => void queue.push(v));
  let applied = 0;
  while (applied < expected) {
    await condition(() => queue.length > 0);
    await trivialApply(queue.shift()!);
    applied++;
  }
  return applied;
}
