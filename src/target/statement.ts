import type { PoolConnection } from 'mysql2/promise';

/** One SQL statement and its values, to be sent alone or with others in one round trip. */
export interface Statement {
  sql: string;
  params: unknown[];
}

/**
 * Sends `statements` in one round trip (the apply's pool allows several
 * statements per query; every value is still a `?` parameter that mysql2
 * escapes) and returns the last one's result. MySQL stops at the first
 * statement that fails.
 */
export async function send(conn: PoolConnection, statements: Statement[]): Promise<unknown> {
  const [results] = await conn.query(
    statements.map((st) => st.sql).join(';\n'),
    statements.flatMap((st) => st.params),
  );
  return statements.length > 1 ? (results as unknown[]).at(-1) : results;
}
