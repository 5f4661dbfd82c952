import type { Pool, RowDataPacket } from 'mysql2/promise';
import { createPool } from '../../db/pool';
import { bindNamed } from './client';
import type { SqlClient, SqlParams, SqlRow } from './client';

/** A SqlClient over a mysql2 pool (MySQL or MariaDB): UTC, dates and decimals as strings. */
export class MysqlSqlClient implements SqlClient {
  readonly dialect = 'mysql' as const;
  constructor(readonly pool: Pool) {}

  static fromUrl(url: string, connectionLimit = 2): MysqlSqlClient {
    return new MysqlSqlClient(createPool(url, { connectionLimit }));
  }

  async query(sql: string, params: SqlParams = {}): Promise<SqlRow[]> {
    const { text, values } = bindNamed(sql, params, 'mysql');
    const [rows] = await this.pool.query<RowDataPacket[]>(text, values);
    return rows;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
