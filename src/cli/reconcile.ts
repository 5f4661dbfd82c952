import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import type { Config } from '../config';
import { createPool } from '../db/pool';
import { openErpSource } from '../erp/open-source';
import { createKafka } from '../kafka/client';
import { EventProducer } from '../kafka/producer';
import { topicsFromConfig } from '../kafka/topics';
import { reconcileTargetSide } from '../reconcile/adapters/target-side';
import { reconcileErpSide } from '../reconcile/adapters/erp-side';
import { checkNow } from '../reconcile/check-now';
import { driftTable } from '../reconcile/kinds';
import { repairByReplay } from '../reconcile/repair';
import { forgetLostInvoices } from '../reconcile/restore-invoices';
import { createTarget } from '../target/create-target';
import { durationArg } from './args';
import { withTemporal } from './with-temporal';

/** The exit code when the check found drift (after its re-check). */
export const EXIT_DRIFT = 3;

interface ReconcileOptions {
  order?: string;
  since?: Date;
  prefix?: string;
  repair?: boolean;
  json?: boolean;
  recheckDelay?: number;
}

const dateArg = (v: string): Date => {
  const d = new Date(v);
  if (Number.isNaN(d.getTime()))
    throw new InvalidArgumentError(`"${v}" is not a date such as 2026-12-01 or 2026-12-01T08:00Z`);
  return d;
};

/** `reconcile`: compare the target with the ERP now, print drift by kind, optionally repair. */
export function registerReconcileCommand(program: Command, cfg: () => Config): void {
  program
    .command('reconcile')
    .description(
      `compare the target with the ERP now (every order, or --order / --since), print drift by kind; exit ${EXIT_DRIFT} on drift`,
    )
    .option('--order <id>', 'only this order')
    .addOption(
      new Option('--since <date>', 'only orders the ERP changed since this date').argParser(
        dateArg,
      ),
    )
    .option('--prefix <text>', 'only orders whose id starts with this')
    .option('--repair', 'replay drifted orders of kinds missing, behind and missing_invoice')
    .option('--json', 'print JSON')
    .addOption(
      new Option(
        '--recheck-delay <duration>',
        'wait before re-reading what looked drifted (default ORDERSYNC_RECONCILE_RECHECK_DELAY, 30s)',
      ).argParser(durationArg),
    )
    .action(async (o: ReconcileOptions) => {
      if (o.order !== undefined && o.since !== undefined)
        throw new InvalidArgumentError('give --order or --since, not both');
      const c = cfg();
      // Two: a repair holds the order's lock on one while it reads the target on the other.
      const targetPool = createPool(c.ORDERSYNC_MYSQL_URL, { connectionLimit: 2 });
      // A query-source repair books and produces what the poll missed before
      // replaying it, as the worker does; Kafka is reached only if it must.
      const producer = new EventProducer(createKafka(c, '-reconcile'), topicsFromConfig(c), {});
      const erp = openErpSource(c, targetPool, {
        publish: (events) => producer.sendEvents(events),
      });
      try {
        const sides = {
          erp: reconcileErpSide(erp),
          target: reconcileTargetSide(c, createTarget(c), targetPool),
        };
        const report = await checkNow(sides, {
          ...(o.order !== undefined ? { orderIds: [o.order] } : {}),
          ...(o.since !== undefined ? { since: o.since } : {}),
          scope: o.prefix !== undefined ? { idPrefix: o.prefix } : {},
          pageSize: c.ORDERSYNC_RECONCILE_PAGE_SIZE,
          recheckDelayMs: o.recheckDelay ?? c.ORDERSYNC_RECONCILE_RECHECK_DELAY,
        });
        let replayed: string[] = [];
        if (o.repair && report.drift.length > 0) {
          replayed = await withTemporal(c, async (orders) => {
            const r = await repairByReplay(report.drift, {
              replay: (orderId, channel) => orders.replay(orderId, channel, {}),
              restoreInvoices: (orderId, invoiceIds) =>
                forgetLostInvoices(
                  { pool: targetPool, target: sides.target, history: erp.history },
                  orderId,
                  invoiceIds,
                ),
              sleep: (ms) => new Promise((res) => setTimeout(res, ms)),
              perSecond: c.ORDERSYNC_RECONCILE_REPAIR_RATE,
            });
            return r.replayed;
          });
        }
        if (o.json) {
          const drift = report.drift.map((d) => ({
            orderId: d.orderId,
            kinds: d.kinds,
            fields: d.fields,
          }));
          console.log(JSON.stringify({ ...report, drift, replayed }, null, 2));
        } else {
          console.log(driftTable(report.summary, report.checked));
          if (report.cleared > 0)
            console.log(`${report.cleared} order(s) cleared on re-check (in flight or changing)`);
          if (o.repair) console.log(`${replayed.length} order(s) replayed`);
        }
        if (report.drift.length > 0) process.exitCode = EXIT_DRIFT;
      } finally {
        await Promise.all([erp.close(), targetPool.end(), producer.disconnect()]);
      }
    });
}
