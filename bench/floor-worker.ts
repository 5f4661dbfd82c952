/**
 * The floor's worker as its own process, so the bench reports its CPU apart
 * from the client that feeds it: the least a worker can cost per event in
 * ordersync's shape on this SDK (one workflow per order, a signal per batch,
 * a no-op local activity). Prints "ready" once it polls; stops on SIGTERM.
 *
 *   node --import tsx bench/floor-worker.ts <taskQueue>
 */
import { loadConfig } from '../src/config';
import { benchWorker } from './common';

async function main(): Promise<void> {
  const taskQueue = process.argv[2];
  if (!taskQueue) {
    console.error('usage: floor-worker <taskQueue>');
    process.exit(2);
  }
  const worker = await benchWorker(loadConfig(), taskQueue, require.resolve('./floor-workflow'), {
    noopApply: async (events: unknown[]) => events.length,
  });
  const running = worker.run();
  process.once('SIGTERM', () => worker.shutdown());
  process.stdout.write('ready\n');
  await running;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
