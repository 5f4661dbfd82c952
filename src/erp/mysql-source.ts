import type { Pool, RowDataPacket } from 'mysql2/promise';
import { jsonColumn } from '../db/json-column';
import { fromSqlDateTime } from '../db/time';
import { DEFAULT_GAP_POLICY, rangesToRead, stepCursor } from './cursor';
import type { GapPolicy, PollCursor } from './cursor';
import type { ErpEvent, ErpSource } from './source';

interface EventRow extends RowDataPacket {
  seq: string | number;
  event_id: string;
  order_id: string;
  channel: string;
  type: string;
  version: number;
  occurred_at: string;
  payload: unknown;
}

const COLUMNS = 'seq, event_id, order_id, channel, type, version, occurred_at, payload';

function toEvent(row: EventRow): ErpEvent {
  return {
    seq: Number(row.seq),
    eventId: row.event_id,
    orderId: row.order_id,
    channel: row.channel as ErpEvent['channel'],
    type: row.type as ErpEvent['type'],
    erpVersion: Number(row.version),
    occurredAt: fromSqlDateTime(row.occurred_at),
    data: jsonColumn<ErpEvent['data']>(row.payload),
  } as ErpEvent;
}

/** Reads the ERP's `order_events` change log with a read-only account. */
export class MysqlErpSource implements ErpSource {
  constructor(
    private readonly pool: Pool,
    private readonly policy: GapPolicy = DEFAULT_GAP_POLICY,
    private readonly now: () => number = Date.now,
  ) {}

  async fetchEvents(cursor: PollCursor, limit: number) {
    // One statement, so the new rows and the re-checked gaps come from one snapshot.
    const ranges = rangesToRead(cursor);
    const where = ['seq > ?', ...ranges.map(() => 'seq BETWEEN ? AND ?')].join(' OR ');
    const params = [cursor.position, ...ranges.flatMap((r) => [r.from, r.to])];
    const [rows] = await this.pool.query<EventRow[]>(
      `SELECT ${COLUMNS} FROM order_events WHERE ${where} ORDER BY seq LIMIT ?`,
      [...params, limit],
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
    const [rows] = await this.pool.query<EventRow[]>(
      `SELECT ${COLUMNS} FROM order_events WHERE order_id = ? AND version >= ? ORDER BY version LIMIT ?`,
      [orderId, fromVersion, limit],
    );
    return rows.map(toEvent);
  }
}
