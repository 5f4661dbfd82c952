import type { Command } from 'commander';
import { Option } from 'commander';
import type { Config } from '../config';
import { runConsumer } from '../consumer';
import { runWorker } from '../worker';
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
        .default(50),
    )
    .addOption(
      new Option('--max-cached-workflows <n>', 'sticky workflow cache size')
        .argParser(int('--max-cached-workflows'))
        .default(2000),
    )
    .addOption(metricsAddressOption())
    .action(
      async (o: { maxActivities: number; maxCachedWorkflows: number; metricsAddress?: string }) => {
        await runWorker(cfg(), {
          maxConcurrentActivities: o.maxActivities,
          maxCachedWorkflows: o.maxCachedWorkflows,
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
