// Raw Temporal: signalWithStart to one workflow per order with one trivial
// activity per event, no Kafka and no MySQL.
import type { Client } from '@temporalio/client';
import type { Config } from '../../src/config';
import { ceilingEvent, ceilingWorkflow } from '../ceiling-workflow';
import type { CeilingResult } from '../common';
import { benchWorker, cpuMsPerEvent, round } from '../common';
import { meter } from '../metering';

export async function runCeiling(
  cfg: Config,
  client: Client,
  runId: string,
  perOrder: Map<string, number>,
): Promise<CeilingResult> {
  const taskQueue = `${cfg.ORDERSYNC_TASK_QUEUE}-ceiling`;
  const worker = await benchWorker(cfg, taskQueue, require.resolve('../ceiling-workflow'), {
    trivialApply: async (v: number) => v,
  });
  const running = worker.run();
  const stop = meter({});
  const keys = [...perOrder.entries()];
  const started = Date.now();
  try {
    let next = 0;
    // One lane per key at a time, like the consumer: a key's signals go in order.
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < keys.length) {
          const [key, n] = keys[next++]!;
          for (let i = 1; i <= n; i++) {
            await client.workflow.signalWithStart(ceilingWorkflow, {
              workflowId: `ceiling-${runId}-${key}`,
              taskQueue,
              args: [n],
              signal: ceilingEvent,
              signalArgs: [i],
            });
          }
        }
      }),
    );
    for (const [key] of keys) await client.workflow.getHandle(`ceiling-${runId}-${key}`).result();
    const wall = (Date.now() - started) / 1000;
    const events = keys.reduce((a, [, n]) => a + n, 0);
    const processes = stop();
    return {
      events,
      wallSeconds: round(wall),
      eventsPerSec: round(events / wall),
      processes,
      cpuMsPerEvent: cpuMsPerEvent(processes, events),
    };
  } finally {
    worker.shutdown();
    await running;
  }
}
