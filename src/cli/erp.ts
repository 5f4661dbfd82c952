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

type Parse = (flag: string) => (value: string) => number;

/** `erp simulate`'s flags, in help order: flags, description, default, and a parser named after the flag. */
const SIMULATE_FLAGS: ReadonlyArray<
  readonly [flags: string, description: string, fallback: number | string, parse?: Parse]
> = [
  ['--orders <n>', 'orders to write', DEFAULT_SIMULATE.orders, int],
  ['--rate <n>', 'events per second, 0 = unthrottled', 0, int],
  [
    '--update-probability <p>',
    'chance of each further update',
    DEFAULT_SIMULATE.updateProbability,
    () => fraction,
  ],
  ['--concurrency <n>', 'writer connections', DEFAULT_SIMULATE.concurrency, int],
  ['--prefix <id>', 'order id prefix', DEFAULT_SIMULATE.prefix],
  [
    '--late-commit-probability <p>',
    'chance a transaction commits late',
    DEFAULT_SIMULATE.lateCommitProbability,
    () => fraction,
  ],
  ['--poison <n>', 'orders whose last update has a wrong total', 0, int],
];

/** `erp simulate` and `erp init`: the simulated ERP. */
export function registerErpCommands(program: Command, cfg: () => Config): void {
  const erp = program.command('erp').description('the simulated ERP');
  const simulateCommand = erp
    .command('simulate')
    .description('write realistic order traffic into the ERP database');
  for (const [flags, description, fallback, parse] of SIMULATE_FLAGS) {
    const option = new Option(flags, description).default(fallback);
    simulateCommand.addOption(parse ? option.argParser(parse(flags.split(' ')[0]!)) : option);
  }
  simulateCommand.action(async (o: SimulateFlags) => {
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
