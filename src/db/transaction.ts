import type { Pool, PoolConnection } from 'mysql2/promise';

/**
 * Runs `work` in one transaction on a pooled connection: committed when it
 * returns, rolled back when it throws, and the connection released either way.
 */
export async function inTransaction<T>(
  pool: Pool,
  work: (conn: PoolConnection) => Promise<T>,
): Promise<T> {
  const conn = await pool.getConnection();
  try {
    await conn.beginTransaction();
    const result = await work(conn);
    await conn.commit();
    return result;
  } catch (err) {
    await conn.rollback().catch(() => undefined);
    throw err;
  } finally {
    conn.release();
  }
}
