import type { Command } from 'commander';
import { Option } from 'commander';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import type { Config } from '../config';
import { reconcileInputFromConfig, upsertReconcileSchedule } from '../temporal/reconcile-schedule';
import { describePollSchedule, upsertPollSchedule } from '../temporal/schedule';
import { durationArg } from './args';
import { withTemporal } from './with-temporal';

interface CreateOptions {
  every: number;
  catchupWindow: number;
  reconcile: boolean;
  reconcileEvery?: number;
}

const scheduleIdOf = (c: Config, reconcile?: boolean): string =>
  reconcile ? c.ORDERSYNC_RECONCILE_SCHEDULE_ID : c.ORDERSYNC_SCHEDULE_ID;

export function registerScheduleCommands(program: Command, cfg: () => Config): void {
  const schedule = program
    .command('schedule')
    .description(
      'manage the ERP poll Schedule (ORDERSYNC_SCHEDULE_ID) and, with --reconcile, the reconcile Schedule (ORDERSYNC_RECONCILE_SCHEDULE_ID)',
    );
  schedule
    .command('create')
    .description(
      'create the poll and reconcile Schedules, or update their intervals and settings if they exist',
    )
    .addOption(
      new Option('--every <duration>', 'poll interval').argParser(durationArg).default(5000, '5s'),
    )
    .addOption(
      new Option('--catchup-window <duration>', 'how far back missed runs are caught up')
        .argParser(durationArg)
        .default(60_000, '1m'),
    )
    .addOption(
      new Option(
        '--reconcile-every <duration>',
        'reconcile interval (default ORDERSYNC_RECONCILE_EVERY, 10m)',
      ).argParser(durationArg),
    )
    .option('--no-reconcile', 'leave the reconcile Schedule alone')
    .action(async (o: CreateOptions) => {
      await withTemporal(cfg(), async (_orders, client) => {
        const c = cfg();
        const created = await upsertPollSchedule(client, {
          scheduleId: c.ORDERSYNC_SCHEDULE_ID,
          taskQueue: c.ORDERSYNC_TASK_QUEUE,
          everyMs: o.every,
          catchupWindowMs: o.catchupWindow,
        });
        console.log(
          `${created ? 'created' : 'updated'} schedule ${c.ORDERSYNC_SCHEDULE_ID}: every ${o.every} ms, overlap SKIP; ` +
            'a run watches the change log for its budget (ORDERSYNC_POLL_BUDGET, re-reading every ORDERSYNC_POLL_REREAD)',
        );
        if (!o.reconcile) return;
        const input = reconcileInputFromConfig(c, o.reconcileEvery ?? c.ORDERSYNC_RECONCILE_EVERY);
        const made = await upsertReconcileSchedule(client, {
          scheduleId: c.ORDERSYNC_RECONCILE_SCHEDULE_ID,
          taskQueue: c.ORDERSYNC_TASK_QUEUE,
          input,
        });
        console.log(
          `${made ? 'created' : 'updated'} schedule ${c.ORDERSYNC_RECONCILE_SCHEDULE_ID}: every ${input.everyMs} ms, ` +
            `recent ${input.recentMs} ms, full sweep every ${input.fullEveryMs} ms, repair ${input.repair}`,
        );
      });
    });
  schedule
    .command('describe')
    .description('show the Schedule and its recent runs')
    .option('--json', 'print JSON')
    .option('--reconcile', 'the reconcile Schedule')
    .action(async (o: { json?: boolean; reconcile?: boolean }) => {
      await withTemporal(cfg(), async (_orders, client) => {
        const d = await describePollSchedule(client, scheduleIdOf(cfg(), o.reconcile));
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
    ['trigger', 'start a poll run now, unless one is open (it is already reading)'],
    ['delete', 'delete the Schedule'],
  ] as const) {
    schedule
      .command(name)
      .description(description)
      .option('--reconcile', 'the reconcile Schedule instead of the poll Schedule')
      .action(async (o: { reconcile?: boolean }) => {
        await withTemporal(cfg(), async (_orders, client) => {
          const id = scheduleIdOf(cfg(), o.reconcile);
          const h = client.schedule.getHandle(id);
          if (name === 'pause') await h.pause('paused from the ordersync CLI');
          else if (name === 'unpause') await h.unpause('unpaused from the ordersync CLI');
          // An open run re-reads the change log every interval; a second would read the same rows.
          else if (name === 'trigger') await h.trigger(ScheduleOverlapPolicy.SKIP);
          else await h.delete();
          console.log(`${name}: ${id}`);
        });
      });
  }
}
