import type { Command } from 'commander';
import { Option } from 'commander';
import type { Config } from '../config';
import { runConsumer } from '../consumer';
import { DEFAULT_WORKER_SIZING, WORKER_QUEUES, runWorker } from '../worker';
import type { WorkerQueues } from '../worker';
import { int } from './args';
import { metricsAddressOption } from './metrics-option';

/** The two long-running roles: `worker` and `consumer`. */
export function registerRunCommands(program: Command, cfg: () => Config): void {
  program
    .command('worker')
    .description(
      'run a Temporal worker: per-order workflows, the poll workflow and their activities',
    )
    .addOption(
      new Option('--max-activities <n>', 'concurrent activity executions')
        .argParser(int('--max-activities'))
        .env('ORDERSYNC_MAX_ACTIVITIES')
        .default(DEFAULT_WORKER_SIZING.maxActivities),
    )
    .addOption(
      new Option(
        '--max-cached-workflows <n>',
        'workflows kept in the sticky cache; one evicted workflow replays its whole history on its next task',
      )
        .argParser(int('--max-cached-workflows'))
        .env('ORDERSYNC_MAX_CACHED_WORKFLOWS')
        .default(DEFAULT_WORKER_SIZING.maxCachedWorkflows),
    )
    .addOption(
      new Option(
        '--queues <which>',
        'task queues to serve: all, orders (order workflows and their activities) or poll (the ERP poll only, e.g. in its own process)',
      )
        .choices(WORKER_QUEUES)
        .default('all'),
    )
    .addOption(metricsAddressOption())
    .action(
      async (o: {
        maxActivities: number;
        maxCachedWorkflows: number;
        queues: WorkerQueues;
        metricsAddress?: string;
      }) => {
        await runWorker(cfg(), {
          maxConcurrentActivities: o.maxActivities,
          maxCachedWorkflows: o.maxCachedWorkflows,
          queues: o.queues,
          metricsAddress: o.metricsAddress,
        });
      },
    );

  program
    .command('consumer')
    .description('run a Kafka consumer-group member that hands events to per-order workflows')
    .addOption(
      new Option('--partitions-concurrently <n>', 'partitions processed at once')
        .argParser(int('--partitions-concurrently'))
        .default(6),
    )
    .addOption(metricsAddressOption())
    .action(async (o: { partitionsConcurrently: number; metricsAddress?: string }) => {
      await runConsumer(cfg(), {
        partitionsConcurrently: o.partitionsConcurrently,
        metricsAddress: o.metricsAddress,
      });
    });
}
