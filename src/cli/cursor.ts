import type { Command } from 'commander';
import type { Config } from '../config';
import { CursorRepository } from '../db/cursor-repository';
import { createPool } from '../db/pool';
import { countSeqs } from '../erp/cursor';
import { OutboxSource } from '../erp/outbox/outbox-source';
import { markerText, wallClock } from '../erp/query/marker';
import { withErpSource } from './source';

/** `cursor show` and `cursor set`: the outbox cursor or the query source's watermarks. */
export function registerCursorCommands(program: Command, cfg: () => Config): void {
  const cursor = program
    .command('cursor')
    .description(
      'where the poll stands: the outbox cursor or the query watermark (ORDERSYNC_CURSOR_NAME)',
    );
  cursor
    .command('show')
    .description('print the saved position')
    .action(async () => {
      const c = cfg();
      await withErpSource(c, async (erp) => {
        if (erp.query) {
          for (const scan of ['orders', 'invoices']) {
            const w = await erp.query.state.watermark(scan);
            console.log(`${scan}: ${w ? w.marker : '(none: the first poll reads everything)'}`);
          }
          console.log(`look-back: ${c.ORDERSYNC_ERP_LOOKBACK} ms`);
          return;
        }
        const app = createPool(c.ORDERSYNC_MYSQL_URL, { connectionLimit: 1 });
        try {
          const saved = await new CursorRepository(app).load(c.ORDERSYNC_CURSOR_NAME);
          const high = await new OutboxSource(erp.client).highestSeq();
          const late = countSeqs(saved.dropped ?? []);
          console.log(
            `position ${saved.position} of ${high}; ${countSeqs(saved.gaps)} missing sequence(s) re-checked` +
              (late > 0 ? `; ${late} given-up sequence(s) still watched for late rows` : ''),
          );
        } finally {
          await app.end();
        }
      });
    });
  cursor
    .command('set')
    .description('move the saved position (pause the poll Schedule first)')
    .option(
      '--to-now',
      "skip everything the ERP holds now: the outbox's last sequence, or the ERP's clock",
    )
    .option(
      '--to <value>',
      'an outbox sequence, or a query watermark such as "2026-01-31 00:00:00" (ERP time)',
    )
    .action(async (o: { toNow?: boolean; to?: string }) => {
      if ((o.toNow === true) === (o.to !== undefined))
        throw new Error('give exactly one of --to-now and --to VALUE');
      const c = cfg();
      await withErpSource(c, async (erp) => {
        if (erp.query) {
          const marker =
            o.to !== undefined
              ? markerText(/^\d{4}-\d\d-\d\d$/.test(o.to) ? `${o.to} 00:00:00` : o.to)
              : wallClock(Date.now(), erp.query.queries.mapping.manifest.markerTimeZone);
          for (const scan of ['orders', 'invoices'])
            await erp.query.state.setWatermark(scan, { marker, id: '' });
          console.log(
            `watermark set to ${marker}; each poll still re-reads ${c.ORDERSYNC_ERP_LOOKBACK} ms behind it`,
          );
          return;
        }
        const position =
          o.to !== undefined ? Number(o.to) : await new OutboxSource(erp.client).highestSeq();
        if (!Number.isSafeInteger(position) || position < 0)
          throw new Error(`--to ${o.to}: not a sequence number`);
        const app = createPool(c.ORDERSYNC_MYSQL_URL, { connectionLimit: 1 });
        try {
          await new CursorRepository(app).save(c.ORDERSYNC_CURSOR_NAME, { position, gaps: [] });
        } finally {
          await app.end();
        }
        console.log(`cursor ${c.ORDERSYNC_CURSOR_NAME} set to ${position}`);
      });
    });
}
