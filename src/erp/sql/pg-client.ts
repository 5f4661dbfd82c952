import pg from 'pg';
import { bindNamed } from './client';
import type { SqlClient, SqlParams, SqlRow } from './client';

// Dates, timestamps, numerics and bigints come back as the server's text, as
// mysql2 is configured to: no time zone guess by the driver, no float drift.
const types = new pg.TypeOverrides();
for (const oid of [20, 1082, 1114, 1184, 1700]) types.setTypeParser(oid, (value: string) => value);

/**
 * The URL's own `options` (an ERP in its own schema:
 * `?options=-c%20search_path%3Derp`) kept, with `-c TimeZone=UTC` after them so
 * every session still runs in UTC. `pg` lets a URL's `options` replace the
 * pool's, so they are taken out of the URL and merged here.
 */
export function withUtcSessions(url: string): { connectionString: string; options: string } {
  const u = new URL(url);
  const own = u.searchParams.get('options')?.trim();
  u.searchParams.delete('options');
  return {
    connectionString: u.toString(),
    options: own ? `${own} -c TimeZone=UTC` : '-c TimeZone=UTC',
  };
}

/** A SqlClient over a `pg` pool; every session runs in UTC. */
export class PgSqlClient implements SqlClient {
  readonly dialect = 'postgres' as const;
  constructor(readonly pool: pg.Pool) {}

  static fromUrl(url: string, max = 2): PgSqlClient {
    const pool = new pg.Pool({
      ...withUtcSessions(url),
      max,
      types,
      connectionTimeoutMillis: 10_000,
    });
    // An idle client's error (a server restart) must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    return new PgSqlClient(pool);
  }

  async query(sql: string, params: SqlParams = {}): Promise<SqlRow[]> {
    const { text, values } = bindNamed(sql, params, 'postgres');
    try {
      const res = await this.pool.query(text, values);
      return res.rows as SqlRow[];
    } catch (err) {
      // Tagged with its statement (bind markers only) as mysql2 does, so
      // `sendingSql` names it and cuts quoted values out of the message.
      if (err instanceof Error && !('sql' in err)) Object.assign(err, { sql: text });
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
