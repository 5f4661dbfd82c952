import type { Worker } from '@temporalio/worker';
import type { Activities } from '../../activities';
import type { Config } from '../../src/config';
import { createDataConverter } from '../../src/temporal/data-converter';

/**
 * A worker in the test's process on the real Temporal server, with the given
 * activities (real or fake) and the worker's own bundle, on `taskQueue`.
 */
export async function createTestWorker(
  cfg: Config,
  taskQueue: string,
  bundle: { code: string },
  activities: Partial<Activities>,
): Promise<Worker> {
  const { NativeConnection, Worker: W } = await import('@temporalio/worker');
  return W.create({
    connection: await NativeConnection.connect({ address: cfg.ORDERSYNC_TEMPORAL_ADDRESS }),
    namespace: cfg.ORDERSYNC_TEMPORAL_NAMESPACE,
    taskQueue,
    workflowBundle: bundle,
    dataConverter: createDataConverter(cfg),
    activities,
  });
}
