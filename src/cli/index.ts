import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError, loadConfig, parseDurationMs, requireErpWriterUrl } from '../config';
import type { Config } from '../config';
import { CHANNELS } from '../contracts/events';
import type { Channel } from '../contracts/events';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { DEFAULT_SIMULATE, initErpSchema, simulate } from '../erp/simulator';
import type { SimulateOptions } from '../erp/simulator';
import { createTemporalClient } from '../temporal/connection';
import { OrderWorkflowClient } from '../temporal/order-workflow-client';
import { describePollSchedule, upsertPollSchedule } from '../temporal/schedule';
import { runConsumer, workflowOptionsFromConfig } from '../consumer';
import { runWorker } from '../worker';
import { registerDlqCommands } from './dlq';
import { registerDemoCommand } from './demo';
import { metricsAddressOption } from './metrics-option';

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError(`${name} must be a non-negative integer`);
  return n;
};
const fraction = (v: string) => {
  const n = Number(v);
  if (!(n >= 0 && n < 1)) throw new InvalidArgumentError('must be in [0, 1)');
  return n;
};
const durationArg = (v: string) => {
  try {
    return parseDurationMs(v);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
};

export async function withTemporal<T>(
  cfg: Config,
  fn: (
    orders: OrderWorkflowClient,
    client: Awaited<ReturnType<typeof createTemporalClient>>,
  ) => Promise<T>,
): Promise<T> {
  const client = await createTemporalClient(cfg);
  try {
    return await fn(
      new OrderWorkflowClient(client, {
        taskQueue: cfg.ORDERSYNC_TASK_QUEUE,
        workflowOptions: workflowOptionsFromConfig(cfg),
      }),
      client,
    );
  } finally {
    await client.connection.close();
  }
}

export async function runMigrations(cfg: Config, log: (m: string) => void): Promise<void> {
  const pool = createPool(cfg.ORDERSYNC_MYSQL_MIGRATE_URL ?? cfg.ORDERSYNC_MYSQL_URL, {
    connectionLimit: 1,
  });
  try {
    const report = await migrate(pool, log);
    log(
      `migrations: ${report.applied.length} applied, ${report.alreadyApplied.length} already in place`,
    );
  } finally {
    await pool.end();
  }
}

export function buildProgram(): Command {
  const program = new Command('ordersync')
    .description(
      'Sync ERP order events into the commerce database through Kafka and per-order Temporal workflows.',
    )
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: false });
  const cfg = () => loadConfig();

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

  const schedule = program
    .command('schedule')
    .description('manage the ERP poll Schedule (id from ORDERSYNC_SCHEDULE_ID)');
  schedule
    .command('create')
    .description('create the Schedule, or update its interval if it exists')
    .addOption(
      new Option('--every <duration>', 'poll interval').argParser(durationArg).default(5000, '5s'),
    )
    .addOption(
      new Option('--catchup-window <duration>', 'how far back missed runs are caught up')
        .argParser(durationArg)
        .default(60_000, '1m'),
    )
    .action(async (o: { every: number; catchupWindow: number }) => {
      await withTemporal(cfg(), async (_orders, client) => {
        const c = cfg();
        const created = await upsertPollSchedule(client, {
          scheduleId: c.ORDERSYNC_SCHEDULE_ID,
          taskQueue: c.ORDERSYNC_TASK_QUEUE,
          everyMs: o.every,
          catchupWindowMs: o.catchupWindow,
        });
        console.log(
          `${created ? 'created' : 'updated'} schedule ${c.ORDERSYNC_SCHEDULE_ID}: every ${o.every} ms, overlap SKIP`,
        );
      });
    });
  schedule
    .command('describe')
    .description('show the Schedule and its recent runs')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      await withTemporal(cfg(), async (_orders, client) => {
        const d = await describePollSchedule(client, cfg().ORDERSYNC_SCHEDULE_ID);
        const summary = {
          scheduleId: d.scheduleId,
          paused: d.state.paused,
          note: d.state.note,
          intervals: d.spec.intervals,
          overlap: d.policies.overlap,
          catchupWindowMs: d.policies.catchupWindow,
          actionsTaken: d.info.numActionsTaken,
          recentRuns: d.info.recentActions.map((a) => ({
            scheduledAt: a.scheduledAt,
            workflowId: a.action.workflow.workflowId,
          })),
          nextRuns: d.info.nextActionTimes.slice(0, 3),
        };
        console.log(o.json ? JSON.stringify(summary, null, 2) : summary);
      });
    });
  for (const [name, description] of [
    ['pause', 'stop polling until unpaused'],
    ['unpause', 'resume polling'],
    ['trigger', 'poll once now'],
    ['delete', 'delete the Schedule'],
  ] as const) {
    schedule
      .command(name)
      .description(description)
      .action(async () => {
        await withTemporal(cfg(), async (_orders, client) => {
          const id = cfg().ORDERSYNC_SCHEDULE_ID;
          const h = client.schedule.getHandle(id);
          if (name === 'pause') await h.pause('paused from the ordersync CLI');
          else if (name === 'unpause') await h.unpause('unpaused from the ordersync CLI');
          else if (name === 'trigger') await h.trigger();
          else await h.delete();
          console.log(`${name}: ${id}`);
        });
      });
  }

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
    .action(
      async (
        o: Pick<
          SimulateOptions,
          | 'orders'
          | 'rate'
          | 'updateProbability'
          | 'concurrency'
          | 'prefix'
          | 'lateCommitProbability'
        > & { poison: number },
      ) => {
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
      },
    );
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

  program
    .command('migrate')
    .description('apply the SQL migrations to the ordersync database')
    .action(async () => runMigrations(cfg(), (m) => console.log(m)));

  program
    .command('status')
    .description("query one order's workflow")
    .argument('<orderId>')
    .option('--json', 'print JSON')
    .action(async (orderId: string, o: { json?: boolean }) => {
      await withTemporal(cfg(), async (orders) => {
        const s = await orders.status(orderId);
        if (o.json) console.log(JSON.stringify(s, null, 2));
        else {
          console.log(`${s.orderId} (${s.channel}): ${s.state}, erp version ${s.erpVersion}`);
          console.log(`  applied ${s.applied}, skipped ${s.skipped}, pending ${s.pending.length}`);
          for (const p of s.pending) console.log(`    ${p.type} v${p.erpVersion} ${p.eventId}`);
          if (s.lastError) console.log(`  last error: ${s.lastError}`);
        }
      });
    });

  program
    .command('replay')
    .description("re-read orders' events from the ERP and re-apply them idempotently")
    .argument('[orderId]', 'one order')
    .option(
      '--query <visibility>',
      'every order matching a visibility query, e.g. \'OrderSyncState = "blocked"\'',
    )
    .addOption(
      new Option('--from-version <n>', 'replay from this ERP version').argParser(
        int('--from-version'),
      ),
    )
    .addOption(
      new Option('--channel <channel>', 'channel, when the order has no workflow yet').choices(
        CHANNELS,
      ),
    )
    .action(
      async (
        orderId: string | undefined,
        o: { query?: string; fromVersion?: number; channel?: Channel },
      ) => {
        if (!orderId === !o.query)
          throw new InvalidArgumentError('give either an orderId or --query');
        const req = o.fromVersion !== undefined ? { fromVersion: o.fromVersion } : {};
        await withTemporal(cfg(), async (orders) => {
          const targets = orderId ? [{ orderId, channel: o.channel }] : [];
          if (o.query)
            for await (const t of orders.find(o.query))
              targets.push({ orderId: t.orderId, channel: t.channel ?? o.channel });
          for (const t of targets) {
            let channel = t.channel;
            if (!channel)
              channel = (await orders.status(t.orderId).catch(() => undefined))?.channel;
            if (!channel)
              throw new InvalidArgumentError(`order ${t.orderId} has no workflow; pass --channel`);
            await orders.replay(t.orderId, channel, req);
            console.log(`replay signalled: ${t.orderId}`);
          }
          console.log(`${targets.length} order(s) replayed`);
        });
      },
    );

  registerDlqCommands(program, cfg);
  registerDemoCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exitCode = 78;
      return;
    }
    console.error(`ordersync: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}

if (require.main === module) void main(process.argv);
