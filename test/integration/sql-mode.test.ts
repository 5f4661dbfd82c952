import type { Pool, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPLY_POOL_OPTIONS, createApplyActivities } from '../../activities/apply-order-events';
import type { OrderEvent } from '../../src/contracts/events';
import { migrate } from '../../src/db/migrate';
import { SQL_DEFECT_ERROR } from '../../src/db/mysql-errors';
import { createPool, SESSION_SQL_MODE } from '../../src/db/pool';
import { MysqlErpSource } from '../../src/erp/mysql-source';
import { initErpSchema, simulate } from '../../src/erp/simulator';
import { testEnv } from '../support/env';
import { orderHistory, uniqueOrderId } from '../support/order-events';
import { CHANGE_LOG_INSERT, changeLogRow } from '../support/poll-fixture';
import { withGlobalSqlModeAdded } from '../support/server-sql-mode';

// Defect 7 of issue 30: a server whose default sql_mode has NO_BACKSLASH_ESCAPES.
// mysql2 escapes a quote in a value as \', which that mode reads as a backslash
// and the end of the literal. Every pool must set its own session mode.
const { cfg } = testEnv('sql-mode');
const HOSTILE = "a'; DROP TABLE ordersync_applied_events; -- ";
const OBRIEN = "Siobhan O'Brien";

const pools: Pool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
});

beforeAll(async () => {
  const migrator = createPool(cfg.ORDERSYNC_MYSQL_MIGRATE_URL!, { connectionLimit: 1 });
  await migrate(migrator);
  const erpOwner = createPool(cfg.ORDERSYNC_ERP_WRITER_URL!, { connectionLimit: 1 });
  await initErpSchema(erpOwner);
  await Promise.all([migrator.end(), erpOwner.end()]);
});

/** One connection each, opened while the server's default has NO_BACKSLASH_ESCAPES. */
async function poolsUnderHostileDefault() {
  return withGlobalSqlModeAdded('NO_BACKSLASH_ESCAPES', async () => {
    const open = (url: string, options = {}) => {
      const pool = createPool(url, { ...options, connectionLimit: 1 });
      pools.push(pool);
      return pool;
    };
    const app = open(cfg.ORDERSYNC_MYSQL_URL, APPLY_POOL_OPTIONS);
    const writer = open(cfg.ORDERSYNC_ERP_WRITER_URL!);
    const reader = open(cfg.ORDERSYNC_ERP_URL);
    const modes = await Promise.all(
      [app, writer, reader].map(async (p) => {
        const [rows] = await p.query<RowDataPacket[]>(
          'SELECT @@SESSION.sql_mode AS s, @@GLOBAL.sql_mode AS g',
        );
        return { session: String(rows[0]!.s), global: String(rows[0]!.g) };
      }),
    );
    return { app, writer, reader, modes };
  });
}

const tables = async (pool: Pool): Promise<string[]> => {
  const [rows] = await pool.query<RowDataPacket[]>('SHOW TABLES');
  return rows.map((r) => String(Object.values(r)[0])).sort();
};

/** An order's creation whose customer is named `name`. */
function creationFor(name: string): OrderEvent {
  const [create] = orderHistory(uniqueOrderId('MODE'), 0);
  const data = create!.data as { customer: { name: string; email: string } };
  return {
    ...create!,
    data: { ...data, customer: { ...data.customer, name, email: "o'brien@example.ie" } },
  } as OrderEvent;
}

describe('a server default sql_mode with NO_BACKSLASH_ESCAPES', () => {
  it('every pool sets its own session mode, so names with quotes are stored as written and every table survives', async () => {
    const { app, writer, reader, modes } = await poolsUnderHostileDefault();
    for (const m of modes) expect(m.global).toContain('NO_BACKSLASH_ESCAPES');
    const before = await tables(app);
    const apply = createApplyActivities({ pool: app }).applyOrderEvents;
    for (const name of [HOSTILE, OBRIEN]) {
      const event = creationFor(name);
      const result = await apply({ orderId: event.orderId, events: [event] });
      expect(result.outcomes.map((o) => o.outcome)).toEqual(['applied']);
      const [rows] = await app.query<RowDataPacket[]>(
        "SELECT JSON_UNQUOTE(JSON_EXTRACT(customer, '$.name')) AS name, " +
          "JSON_UNQUOTE(JSON_EXTRACT(customer, '$.email')) AS email FROM orders WHERE order_id = ?",
        [event.orderId],
      );
      expect(rows[0]).toEqual({ name, email: "o'brien@example.ie" });
      const [ledger] = await app.query<RowDataPacket[]>(
        'SELECT COUNT(*) AS n FROM ordersync_applied_events WHERE order_id = ?',
        [event.orderId],
      );
      expect(Number(ledger[0]!.n)).toBe(1);
    }
    expect(await tables(app)).toEqual(before);
    expect(before).toEqual(
      expect.arrayContaining(['ordersync_applied_events', 'orders', 'invoices']),
    );

    // The ERP side: the simulator's writer and the poll's reader.
    const erpTables = await tables(writer);
    const event = creationFor(HOSTILE);
    await writer.query(CHANGE_LOG_INSERT, [[changeLogRow(event)]]);
    const [read] = await new MysqlErpSource(reader).fetchOrderEvents(event.orderId, 1, 10);
    expect((read!.data as { customer: { name: string } }).customer.name).toBe(HOSTILE);
    const sim = await simulate(writer, {
      orders: 2,
      prefix: `MODE${Date.now()}`,
      lateCommitProbability: 0,
      concurrency: 1,
    });
    expect(sim.events).toBeGreaterThan(0);
    expect(await tables(writer)).toEqual(erpTables);
    for (const m of modes) expect(m.session).toBe(SESSION_SQL_MODE);
  }, 60_000);

  it('a statement MySQL cannot parse blocks the order: a non-retryable failure with the reason, no values', async () => {
    // A session that got NO_BACKSLASH_ESCAPES after ordersync set its mode: the
    // apply's statements no longer parse, as with a mode ordersync does not know.
    const pool = createPool(cfg.ORDERSYNC_MYSQL_URL, { ...APPLY_POOL_OPTIONS, connectionLimit: 1 });
    pools.push(pool);
    pool.on('connection', (conn) => {
      (conn as unknown as { query(sql: string, cb: () => void): void }).query(
        "SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_BACKSLASH_ESCAPES')",
        () => undefined,
      );
    });
    const event = creationFor(OBRIEN);
    const err = (await createApplyActivities({ pool })
      .applyOrderEvents({ orderId: event.orderId, events: [event] })
      .then(
        () => null,
        (e: unknown) => e,
      )) as { type?: string; nonRetryable?: boolean; message: string } | null;
    expect(err).not.toBeNull();
    expect(err!.type).toBe(SQL_DEFECT_ERROR);
    expect(err!.nonRetryable).toBe(true);
    expect(err!.message).toContain('ER_PARSE_ERROR');
    expect(err!.message).toContain('INSERT orders');
    expect(err!.message).not.toMatch(/Brien|example\.ie|Siobhan/);
    const [rows] = await pool.query<RowDataPacket[]>('SELECT 1 FROM orders WHERE order_id = ?', [
      event.orderId,
    ]);
    expect(rows).toHaveLength(0);
  }, 60_000);
});
