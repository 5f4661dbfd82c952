import type { Command } from 'commander';
import { Option } from 'commander';
import { requireErpWriterUrl } from '../config';
import type { Config } from '../config';
import { createPool } from '../db/pool';
import { DEFAULT_SIMULATE, initErpSchema, simulate } from '../erp/simulator';
import type { SimulateOptions } from '../erp/simulator';
import { fraction, int } from './args';

type SimulateFlags = Pick<
  SimulateOptions,
  'orders' | 'rate' | 'updateProbability' | 'concurrency' | 'prefix' | 'lateCommitProbability'
> & { poison: number };

/** `erp simulate` and `erp init`: the simulated ERP. */
export function registerErpCommands(program: Command, cfg: () => Config): void {
  const erp = program.command('erp').description('the simulated ERP');
  erp
    .command('simulate')
    .description('write realistic order traffic into the ERP database')
    .addOption(
      new Option('--orders <n>', 'orders to write')
        .argParser(int('--orders'))
        .default(DEFAULT_SIMULATE.orders),
    )
    .addOption(
      new Option('--rate <n>', 'events per second, 0 = unthrottled')
        .argParser(int('--rate'))
        .default(0),
    )
    .addOption(
      new Option('--update-probability <p>', 'chance of each further update')
        .argParser(fraction)
        .default(DEFAULT_SIMULATE.updateProbability),
    )
    .addOption(
      new Option('--concurrency <n>', 'writer connections')
        .argParser(int('--concurrency'))
        .default(DEFAULT_SIMULATE.concurrency),
    )
    .addOption(new Option('--prefix <id>', 'order id prefix').default(DEFAULT_SIMULATE.prefix))
    .addOption(
      new Option('--late-commit-probability <p>', 'chance a transaction commits late')
        .argParser(fraction)
        .default(DEFAULT_SIMULATE.lateCommitProbability),
    )
    .addOption(
      new Option('--poison <n>', 'orders whose last update has a wrong total')
        .argParser(int('--poison'))
        .default(0),
    )
    .action(async (o: SimulateFlags) => {
      const writerUrl = requireErpWriterUrl(cfg(), 'writing ERP traffic');
      const pool = createPool(writerUrl, { connectionLimit: o.concurrency + 1 });
      try {
        await initErpSchema(pool);
        let lastPrint = 0;
        const report = await simulate(pool, {
          ...o,
          poisonOrders: o.poison,
          onEvent: (written, planned) => {
            if (Date.now() - lastPrint > 1000 || written === planned) {
              lastPrint = Date.now();
              process.stderr.write(`\rwrote ${written}/${planned} events`);
            }
          },
        });
        process.stderr.write('\n');
        console.log(
          `wrote ${report.orderIds.length} orders, ${report.events} events in ${report.seconds.toFixed(1)} s (prefix ${report.orderIds[0]?.split('-').slice(0, 2).join('-') ?? o.prefix})`,
        );
      } finally {
        await pool.end();
      }
    });
  erp
    .command('init')
    .description("create the simulated ERP's tables")
    .action(async () => {
      const c = cfg();
      const pool = createPool(requireErpWriterUrl(c, 'creating the ERP schema'), {
        connectionLimit: 1,
      });
      try {
        await initErpSchema(pool);
        console.log('ERP schema ready');
      } finally {
        await pool.end();
      }
    });
}
