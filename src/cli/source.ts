import type { Command } from 'commander';
import type { Config } from '../config';
import { redactUrl } from '../config';
import { orderEventSchema } from '../contracts/events';
import { createPool } from '../db/pool';
import { openErpSource } from '../erp/open-source';
import type { ErpConnection } from '../erp/open-source';
import { OutboxSource } from '../erp/outbox/outbox-source';
import { checkMapping } from '../erp/query/check-mapping';
import type { SampleEvent } from '../erp/query/check-mapping';
import { markerText } from '../erp/query/marker';
import { createKafka } from '../kafka/client';
import { EventProducer } from '../kafka/producer';
import { topicsFromConfig } from '../kafka/topics';
import { positive } from './args';

/** Opens the configured ERP source with ordersync's own pool, runs `work`, and closes both. */
export async function withErpSource<T>(
  cfg: Config,
  work: (erp: ErpConnection) => Promise<T>,
  opts: Parameters<typeof openErpSource>[2] = {},
): Promise<T> {
  const app = createPool(cfg.ORDERSYNC_MYSQL_URL, { connectionLimit: 2 });
  try {
    const erp = openErpSource(cfg, app, opts);
    try {
      return await work(erp);
    } finally {
      await erp.close();
    }
  } finally {
    await app.end();
  }
}

function printSample(s: SampleEvent): void {
  const { seq: _seq, ...value } = s.event;
  console.log(JSON.stringify(value, null, 2));
  console.log(s.invalid === null ? '  -> valid' : `  -> refused by the consumer: ${s.invalid}`);
}

/** The outbox check: the table answers, and its newest rows pass the contract. */
async function checkOutbox(erp: ErpConnection): Promise<string[]> {
  const rows = await new OutboxSource(erp.client).latest(3);
  const problems = rows.length === 0 ? ['order_events is empty: nothing to check'] : [];
  for (const e of rows) {
    const { seq, ...value } = e;
    const parsed = orderEventSchema.safeParse(value);
    const invalid = parsed.success
      ? null
      : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    printSample({ event: e, invalid });
    if (invalid) problems.push(`seq ${seq}: ${invalid}`);
  }
  return problems;
}

/** `source check` and `source backfill`. */
export function registerSourceCommands(program: Command, cfg: () => Config): void {
  const source = program
    .command('source')
    .description('the configured ERP source (ORDERSYNC_ERP_SOURCE)');
  source
    .command('check')
    .description(
      'connect, run every query of the mapping, and print three sample events with their validation; exit 0 only when all is well',
    )
    .action(async () => {
      const c = cfg();
      console.log(`ERP ${redactUrl(c.ORDERSYNC_ERP_URL)}, source ${c.ORDERSYNC_ERP_SOURCE}`);
      const problems = await withErpSource(c, async (erp) => {
        if (!erp.query) return checkOutbox(erp);
        const report = await checkMapping(erp.query.queries);
        console.log(
          `mapping ${erp.query.queries.mapping.manifest.name} (${erp.query.queries.mapping.dir})`,
        );
        for (const [name, n] of Object.entries(report.counts))
          console.log(`  ${name}: ${n} row(s)`);
        report.samples.forEach(printSample);
        return report.problems;
      });
      for (const p of problems) console.log(`problem: ${p}`);
      console.log(
        problems.length === 0 ? 'source check: ok' : `source check: ${problems.length} problem(s)`,
      );
      if (problems.length > 0) process.exitCode = 1;
    });
  source
    .command('backfill')
    .description(
      'produce the current state of existing orders and invoices (query source); paged, resumable, and a repeat is harmless',
    )
    .option(
      '--since <date>',
      'only orders changed since this date or timestamp (ERP time), e.g. 2026-01-01; starts the backfill over',
    )
    .option('--channel <channel>', 'only orders of this channel')
    .option('--page-size <n>', 'orders per page', positive('--page-size'), 500)
    .action(async (o: { since?: string; channel?: string; pageSize: number }) => {
      const c = cfg();
      if (c.ORDERSYNC_ERP_SOURCE !== 'query') {
        throw new Error(
          'backfill is for the query source; the outbox is its own history: `ordersync cursor set --to 0` re-reads it',
        );
      }
      const producer = new EventProducer(createKafka(c, '-backfill'), topicsFromConfig(c));
      try {
        await withErpSource(
          c,
          async (erp) => {
            const state = erp.query!.state;
            if (o.since !== undefined) {
              const since = markerText(
                /^\d{4}-\d\d-\d\d$/.test(o.since) ? `${o.since} 00:00:00` : o.since,
              );
              for (const scan of ['backfill-orders', 'backfill-invoices'])
                await state.setWatermark(scan, { marker: since, id: '' });
            }
            let produced = 0;
            for (;;) {
              const page = await erp.feed.next(o.pageSize);
              produced += page.events.length - (await producer.sendEvents(page.events));
              await page.commit();
              process.stderr.write(`\rproduced ${produced} events`);
              if (!page.full) break;
            }
            process.stderr.write('\n');
            console.log(`backfill done: ${produced} events produced`);
          },
          { backfill: true, ...(o.channel ? { channel: o.channel } : {}) },
        );
      } finally {
        await producer.disconnect();
      }
    });
}
