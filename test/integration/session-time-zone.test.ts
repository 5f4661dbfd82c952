import type { Pool, RowDataPacket } from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { createPool } from '../../src/db/pool';
import { MysqlSqlClient } from '../../src/erp/sql/mysql-client';
import { testEnv } from '../support/env';
import { withGlobalTimeZone } from '../support/server-sql-mode';

// A server whose default time zone is not UTC (a Dolibarr host in Paris, a
// shop's database in Kolkata). A TIMESTAMP column is an instant, read and
// written in the session's zone: unless every pool sets UTC for its sessions,
// an ERP's TIMESTAMP change marker reads as local time where the mapping says
// UTC, and a UTC literal written to a target's TIMESTAMP lands hours off.
const { cfg, runId } = testEnv('session-tz');
const pools: Pool[] = [];
const readers: MysqlSqlClient[] = [];
afterAll(async () => {
  await Promise.all([...pools.map((p) => p.end()), ...readers.map((r) => r.close())]);
});

describe('a server default time zone other than UTC', () => {
  it('every pool reads and writes TIMESTAMP columns in UTC', async () => {
    const { writer, reader } = await withGlobalTimeZone('+05:30', async () => {
      const w = createPool(cfg.ORDERSYNC_ERP_WRITER_URL!, { connectionLimit: 1 });
      pools.push(w);
      const r = MysqlSqlClient.fromUrl(cfg.ORDERSYNC_ERP_URL, 1);
      readers.push(r);
      // Each opens its one connection inside the window, under the hostile default.
      const [rows] = await w.query<RowDataPacket[]>('SELECT @@GLOBAL.time_zone AS tz');
      expect(rows[0]!.tz).toBe('+05:30');
      await r.query('SELECT 1');
      return { writer: w, reader: r };
    });
    await writer.query(
      'CREATE TABLE IF NOT EXISTS tz_probe (id VARCHAR(64) PRIMARY KEY, written TIMESTAMP(3) NULL, stamped TIMESTAMP(3) NULL)',
    );
    await writer.query(
      'REPLACE INTO tz_probe (id, written, stamped) VALUES (?, ?, CURRENT_TIMESTAMP(3))',
      [runId, '2026-01-01 10:00:00.000'],
    );
    const [row] = await reader.query(
      `SELECT @@SESSION.time_zone AS session,
              UNIX_TIMESTAMP(written) AS instant, CAST(written AS CHAR) AS written,
              TIMESTAMPDIFF(SECOND, stamped, UTC_TIMESTAMP(3)) AS behind
         FROM tz_probe WHERE id = :id`,
      { id: runId },
    );
    expect(row).toMatchObject({ session: '+00:00', written: '2026-01-01 10:00:00.000' });
    // 2026-01-01T10:00:00Z, not 04:30Z: the literal was read as UTC.
    expect(String(row!.instant)).toBe('1767261600.000');
    // A marker the server stamped reads as UTC, comparable with UTC_TIMESTAMP.
    expect(Math.abs(Number(row!.behind))).toBeLessThan(60);
    const [check] = await writer.query<RowDataPacket[]>('SELECT @@SESSION.time_zone AS tz');
    expect(check[0]!.tz).toBe('+00:00');
  });
});
