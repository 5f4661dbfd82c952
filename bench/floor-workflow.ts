// The floor: raw Temporal in ordersync's own shape. One workflow per order, fed
// by one signalWithStart per batch of that order's events, one no-op local
// activity per batch. No Kafka, no MySQL, no timers, no search attributes.
import {
  condition,
  defineSignal,
  defineUpdate,
  proxyLocalActivities,
  setHandler,
} from '@temporalio/workflow';

export const floorEvents = defineSignal<[unknown[]]>('events');
/** The same hand-over as an Update (bench --systems floor-update: Update-with-Start). */
export const floorEventsUpdate = defineUpdate<void, [unknown[]]>('eventsUpdate');

const { noopApply } = proxyLocalActivities<{ noopApply(events: unknown[]): Promise<number> }>({
  startToCloseTimeout: '30s',
});

/** Completes once `expected` events were applied, so the bench can wait on its result. */
export async function floorWorkflow(expected: number): Promise<number> {
  const queue: unknown[] = [];
  setHandler(floorEvents, (events) => void queue.push(...events));
  setHandler(floorEventsUpdate, (events) => void queue.push(...events));
  let applied = 0;
  while (applied < expected) {
    await condition(() => queue.length > 0);
    applied += await noopApply(queue.splice(0));
  }
  return applied;
}
