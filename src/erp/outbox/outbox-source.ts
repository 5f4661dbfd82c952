import { jsonColumn } from '../../db/json-column';
import { fromSqlDateTime } from '../../db/time';
import { DEFAULT_GAP_POLICY, rangesToRead, stepCursor } from '../cursor';
import type { GapPolicy, PollCursor } from '../cursor';
import type { ErpEvent, ErpSource } from '../source';
import type { SqlClient, SqlRow } from '../sql/client';

const COLUMNS = 'seq, event_id, order_id, channel, type, version, occurred_at, payload';

/** `occurred_at` as ISO-8601 UTC, from a DATETIME / timestamp read as text (with or without an offset). */
export function occurredAtIso(value: unknown): string {
  const text = String(value);
  if (/[+-]\d\d(:?\d\d)?$|Z$/.test(text)) return new Date(text.replace(' ', 'T')).toISOString();
  return fromSqlDateTime(text);
}

function toEvent(row: SqlRow): ErpEvent {
  return {
    seq: Number(row.seq),
    eventId: String(row.event_id),
    orderId: String(row.order_id),
    channel: row.channel as ErpEvent['channel'],
    type: row.type as ErpEvent['type'],
    erpVersion: Number(row.version),
    occurredAt: occurredAtIso(row.occurred_at),
    data: jsonColumn<ErpEvent['data']>(row.payload),
  } as ErpEvent;
}

/**
 * Reads the outbox table `order_events` (docs/erp-outbox.md) on MySQL, MariaDB
 * or PostgreSQL with a read-only account. Both number `seq` before commit
 * (AUTO_INCREMENT, bigserial), so both need the gap-aware cursor.
 */
export class OutboxSource implements ErpSource {
  constructor(
    private readonly client: SqlClient,
    private readonly policy: GapPolicy = DEFAULT_GAP_POLICY,
    private readonly now: () => number = Date.now,
  ) {}

  async fetchEvents(cursor: PollCursor, limit: number) {
    // One statement, so the new rows, the re-read gaps and the dropped ranges
    // still watched for late rows come from one snapshot.
    const ranges = rangesToRead(cursor);
    const where = ['seq > :position', ...ranges.map((_, i) => `seq BETWEEN :from${i} AND :to${i}`)];
    const params: Record<string, number> = { position: cursor.position, limit };
    ranges.forEach((r, i) => {
      params[`from${i}`] = r.from;
      params[`to${i}`] = r.to;
    });
    const rows = await this.client.query(
      `SELECT ${COLUMNS} FROM order_events WHERE ${where.join(' OR ')} ORDER BY seq LIMIT :limit`,
      params,
    );
    const events = rows.map(toEvent);
    const step = stepCursor(
      cursor,
      events.map((e) => e.seq),
      this.now(),
      this.policy,
      limit,
    );
    return {
      events,
      nextCursor: step.cursor,
      droppedGaps: step.dropped,
      forgotten: step.forgotten,
    };
  }

  async fetchOrderEvents(orderId: string, fromVersion: number, limit: number) {
    const rows = await this.client.query(
      `SELECT ${COLUMNS} FROM order_events WHERE order_id = :orderId AND version >= :fromVersion ORDER BY version LIMIT :limit`,
      { orderId, fromVersion, limit },
    );
    return rows.map(toEvent);
  }

  /** The newest `n` rows, newest first (`source check`). */
  async latest(n: number): Promise<ErpEvent[]> {
    const rows = await this.client.query(
      `SELECT ${COLUMNS} FROM order_events ORDER BY seq DESC LIMIT :n`,
      { n },
    );
    return rows.map(toEvent);
  }

  /** The highest sequence in the outbox; the lag gauge compares the cursor with it. */
  async highestSeq(): Promise<number> {
    const rows = await this.client.query('SELECT COALESCE(MAX(seq), 0) AS high FROM order_events');
    return Number(rows[0]?.high ?? 0);
  }
}
