import type { Command } from 'commander';
import type { Config } from '../config';
import { HEADERS } from '../contracts/topics';
import { createPool } from '../db/pool';
import { createKafka } from '../kafka/client';
import { dlqHeader, readDlq } from '../kafka/dlq-reader';
import { replayDlq } from '../kafka/dlq-replay';
import type { ReplayReport } from '../kafka/dlq-replay';
import { topicsFromConfig } from '../kafka/topics';

/** Longest key or detail printed on screen; `--json` prints them whole. */
const SCREEN_WIDTH = 80;

/**
 * Text made safe and short for a terminal: control characters escaped (a key
 * is untrusted input), and anything past `max` characters replaced by a count.
 */
export function forScreen(text: string, max = SCREEN_WIDTH): string {
  // eslint-disable-next-line no-control-regex
  const safe = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) =>
    c === '\n' ? '\\n' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  const chars = [...safe];
  return chars.length <= max ? safe : `${chars.slice(0, max).join('')}…(+${chars.length - max})`;
}

export function formatReplayReport(r: ReplayReport, dryRun: boolean): string[] {
  const lines = [
    `${dryRun ? 'would replay' : 'replayed'} ${r.replayed} of ${r.matched} message(s)`,
  ];
  for (const [topic, n] of Object.entries(r.byTopic)) lines.push(`  ${n} to ${topic}`);
  const s = r.skipped;
  if (s['already-replayed'] > 0)
    lines.push(`  skipped ${s['already-replayed']} already replayed by an earlier run`);
  if (s['refused-again'] > 0)
    lines.push(
      `  skipped ${s['refused-again']} replayed before and refused again (--again sends them anyway)`,
    );
  if (s['no-channel-topic'] > 0)
    lines.push(
      `  skipped ${s['no-channel-topic']} with no channel topic (ERP rows: correct the row in the ERP, then \`ordersync replay <orderId>\`)`,
    );
  if (s.truncated > 0)
    lines.push(
      `  skipped ${s.truncated} cut to fit the DLQ (the original is in the ERP: replay the order)`,
    );
  return lines;
}

export function registerDlqCommands(program: Command, cfg: () => Config): void {
  const dlq = program.command('dlq').description('inspect and replay dead-lettered messages');
  dlq
    .command('list')
    .description('list DLQ messages with their reason and origin')
    .option('--json', 'print JSON lines, with keys and details whole')
    .option('--reason <reason>', 'only this reason (schema, unparsable-json, key-mismatch, ...)')
    .action(async (o: { json?: boolean; reason?: string }) => {
      const c = cfg();
      const entries = (
        await readDlq(createKafka(c, '-dlq-reader'), topicsFromConfig(c).dlq)
      ).filter((e) => !o.reason || dlqHeader(e.message, HEADERS.dlqReason) === o.reason);
      for (const { partition, offset, message: m } of entries) {
        const row = {
          dlq: `${partition}@${offset}`,
          reason: dlqHeader(m, HEADERS.dlqReason),
          detail: dlqHeader(m, HEADERS.dlqDetail),
          source: `${dlqHeader(m, HEADERS.dlqTopic)}/${dlqHeader(m, HEADERS.dlqPartition)}@${dlqHeader(m, HEADERS.dlqOffset)}`,
          key: m.key?.toString() ?? null,
          bytes: m.value?.length ?? 0,
        };
        console.log(
          o.json
            ? JSON.stringify(row)
            : `${row.dlq}  ${forScreen(row.reason, 24).padEnd(15)} ${forScreen(row.source)}  key=${row.key === null ? '∅' : forScreen(row.key)}  ${row.bytes} B  ${forScreen(row.detail)}`,
        );
      }
      if (!o.json) console.log(`${entries.length} message(s)`);
    });
  dlq
    .command('replay')
    .description(
      'send DLQ messages back to their source topic, where the consumer validates them again; ' +
        'each is sent once (recorded in the dlq_replays table), so a second or interrupted run resumes',
    )
    .option('--reason <reason>', 'only this reason')
    .option('--dry-run', 'show what would be replayed')
    .option('--again', 'also send messages that were replayed before and came back refused')
    .action(async (o: { reason?: string; dryRun?: boolean; again?: boolean }) => {
      const c = cfg();
      const pool = createPool(c.ORDERSYNC_MYSQL_URL, { connectionLimit: 2 });
      try {
        const report = await replayDlq(
          { kafka: createKafka(c, '-dlq-replay'), pool, topics: topicsFromConfig(c) },
          o,
        );
        for (const line of formatReplayReport(report, Boolean(o.dryRun))) console.log(line);
      } finally {
        await pool.end();
      }
    });
}
