import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import type { Config } from '../config';
import { CHANNELS } from '../contracts/events';
import type { Channel } from '../contracts/events';
import { int } from './args';
import {
  EXIT_NO_WORKER,
  formatServerView,
  unansweredReason,
  serverView,
  STATUS_QUERY_TIMEOUT_MS,
} from './status-fallback';
import { withTemporal } from './with-temporal';
import { retryingLine } from './retrying-line';

/** `status` and `replay`: one order's (or a query's orders') workflow. */
export function registerOrderCommands(program: Command, cfg: () => Config): void {
  program
    .command('status')
    .description(
      `query one order's workflow; when no worker answers, print what the Temporal server knows and exit ${EXIT_NO_WORKER}`,
    )
    .argument('<orderId>')
    .option('--json', 'print JSON')
    .action(async (orderId: string, o: { json?: boolean }) => {
      await withTemporal(cfg(), async (orders, client) => {
        let unanswered: string | null = null;
        const s = await orders.status(orderId, STATUS_QUERY_TIMEOUT_MS).catch((err: unknown) => {
          unanswered = unansweredReason(err);
          if (unanswered === null) throw err;
          return undefined;
        });
        if (!s) {
          const view = await serverView(client, cfg(), orderId, unanswered ?? 'no answer');
          console.log(
            o.json ? JSON.stringify({ answered: false, ...view }, null, 2) : formatServerView(view),
          );
          process.exitCode = EXIT_NO_WORKER;
        } else if (o.json) console.log(JSON.stringify(s, null, 2));
        else {
          console.log(`${s.orderId} (${s.channel}): ${s.state}, erp version ${s.erpVersion}`);
          console.log(`  applied ${s.applied}, skipped ${s.skipped}, pending ${s.pending.length}`);
          for (const p of s.pending) console.log(`    ${p.type} v${p.erpVersion} ${p.eventId}`);
          const retrying = retryingLine(s.retryingSince ?? null, Date.now());
          if (retrying) console.log(`  ${retrying}`);
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
}
