// The pipeline floor's workflow: one per order, fed by one signalWithStart per
// consumer hand-over, one local activity per hand-over that upserts the raw
// messages. No validation, no ledger, no guard, no timers, no search attributes.
import { condition, defineSignal, proxyLocalActivities, setHandler } from '@temporalio/workflow';

/** A hand-over: the Kafka message values of one order, in partition order. */
export const pipelineFloorEvents = defineSignal<[string[]]>('events');

const { upsertMessages } = proxyLocalActivities<{
  upsertMessages(messages: string[]): Promise<number>;
}>({ startToCloseTimeout: '30s' });

/** Completes once `expected` messages were written, so the bench can tell it is done. */
export async function pipelineFloorWorkflow(expected: number): Promise<number> {
  const queue: string[] = [];
  setHandler(pipelineFloorEvents, (messages) => void queue.push(...messages));
  let written = 0;
  while (written < expected) {
    await condition(() => queue.length > 0);
    written += await upsertMessages(queue.splice(0));
  }
  return written;
}
