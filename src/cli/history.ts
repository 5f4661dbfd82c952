import type { Command } from 'commander';
import type { Config } from '../config';
import { createTemporalClient } from '../temporal/connection';
import { createPayloadCodec } from '../temporal/data-converter';
import { decodeHistory } from '../temporal/history';
import type { DecodedHistoryEvent } from '../temporal/history';

/** One line per event: id, time, type, its summary if any, then the decoded attributes as compact JSON. */
export function formatHistory(events: readonly DecodedHistoryEvent[]): string {
  const width = String(events.at(-1)?.eventId ?? 0).length;
  return events
    .map(
      (e) =>
        `${String(e.eventId).padStart(width)}  ${e.eventTime ?? '-'}  ${e.eventType}${e.summary ? ` «${e.summary}»` : ''}  ${JSON.stringify(e.attributes)}`,
    )
    .join('\n');
}

/** Fetches one order's workflow history and decodes it with the configured keys. */
export async function orderHistory(
  cfg: Config,
  orderId: string,
  runId?: string,
): Promise<DecodedHistoryEvent[]> {
  const client = await createTemporalClient(cfg);
  try {
    const history = await client.workflow.getHandle(orderId, runId).fetchHistory();
    return await decodeHistory(history, [createPayloadCodec(cfg)]);
  } finally {
    await client.connection.close();
  }
}

export function registerHistoryCommand(program: Command, cfg: () => Config): void {
  program
    .command('history')
    .description(
      "print an order's workflow event history, payloads decrypted (output holds customer data)",
    )
    .argument('<orderId>')
    .option('--run-id <runId>', 'a specific run (default: the latest)')
    .option('--json', 'print JSON')
    .action(async (orderId: string, o: { runId?: string; json?: boolean }) => {
      const events = await orderHistory(cfg(), orderId, o.runId);
      console.log(o.json ? JSON.stringify(events, null, 2) : formatHistory(events));
    });
}
