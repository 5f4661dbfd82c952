import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { cursorFromStored, cursorToStored, EMPTY_CURSOR } from '../erp/cursor';
import type { PollCursor } from '../erp/cursor';
import { jsonColumn } from './json-column';

/** The durable poll cursor, kept in the target database next to what it produced. */
export class CursorRepository {
  constructor(private readonly pool: Pool) {}

  async load(name: string): Promise<PollCursor> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      'SELECT position, gaps FROM poll_cursor WHERE name = ?',
      [name],
    );
    const row = rows[0];
    if (!row) return EMPTY_CURSOR;
    // A cursor an older release saved (a list of single sequences) loads as ranges.
    return cursorFromStored(Number(row.position), jsonColumn<unknown>(row.gaps));
  }

  async save(name: string, cursor: PollCursor): Promise<void> {
    const gaps = JSON.stringify(cursorToStored(cursor));
    const [res] = await this.pool.query<ResultSetHeader>(
      'UPDATE poll_cursor SET position = ?, gaps = ?, updated_at = UTC_TIMESTAMP(3) WHERE name = ?',
      [cursor.position, gaps, name],
    );
    if (res.affectedRows === 0) {
      await this.pool.query(
        `INSERT INTO poll_cursor (name, position, gaps, updated_at) VALUES (?, ?, ?, UTC_TIMESTAMP(3))
         ON DUPLICATE KEY UPDATE position = ?, gaps = ?, updated_at = UTC_TIMESTAMP(3)`,
        [name, cursor.position, gaps, cursor.position, gaps],
      );
    }
  }
}
