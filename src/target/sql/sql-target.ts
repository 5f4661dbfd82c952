/**
 * The `sql` target: a mapping directory's statements, run with every value
 * bound as a server-side prepared-statement parameter (so no sql_mode can
 * change what a statement means). One snapshot runs upsert_order.sql, then
 * delete_lines.sql, then replace_lines.sql once per line; one invoice runs
 * insert_invoice.sql (insert_credit_note.sql for a credit note, when present).
 */
import type {
  ExecuteValues,
  Pool,
  PoolConnection,
  ResultSetHeader,
  RowDataPacket,
} from 'mysql2/promise';
import type { PlannedWrite } from '../../contracts/apply-plan';
import type { OrderEvent } from '../../contracts/events';
import { mysqlCode, withoutMysqlValues, withoutQuotedValues } from '../../db/mysql-errors';
import type { StoredOrder, Target, TargetProblem } from '../port';
import { TargetSchemaError } from '../target-errors';
import { INSERT_ID, bag, bindValue } from './contract-fields';
import type { MappedStatement, Mapping, MappingFile } from './mapping';
import { isSqlDataError, isSqlSchemaError, schemaErrorText } from './sql-errors';
import { storedOrderFromRows } from './stored-order';

/**
 * A mapping statement failed; says which file (and line of it) and keeps
 * MySQL's error as the cause, its code and number kept for classification but
 * its statement and quoted values cut (the SDK logs an activity failure with
 * its cause, and workflow history keeps it).
 */
export class MappedStatementError extends Error {
  override readonly name = 'MappedStatementError';
  override readonly cause: unknown;
  constructor(
    readonly file: MappingFile,
    readonly line: number,
    cause: unknown,
  ) {
    super(
      `${file} (statement at line ${line}) failed: ${mysqlCode(cause) ?? (cause as Error).name}`,
    );
    this.cause = withoutMysqlValuesKeepingCode(cause);
  }
}

function withoutMysqlValuesKeepingCode(err: unknown): unknown {
  const clean = withoutMysqlValues(err);
  if (clean === err || !(clean instanceof Error)) return clean;
  const { code, errno } = err as { code?: unknown; errno?: unknown };
  return Object.assign(clean, { code, errno });
}

type Queryable = Pool | PoolConnection;

async function run(
  conn: Queryable,
  st: MappedStatement,
  values: Record<string, unknown>,
): Promise<RowDataPacket[] | ResultSetHeader> {
  let params: unknown[];
  try {
    params = st.params.map((p) => bindValue(values, p.name, p.kind));
  } catch (err) {
    throw new MappedStatementError(st.file, st.line, err);
  }
  try {
    const [rows] = await conn.execute<RowDataPacket[] | ResultSetHeader>(
      st.sql,
      params as ExecuteValues[],
    );
    return rows;
  } catch (err) {
    if (isSqlSchemaError(err))
      throw new TargetSchemaError(
        `${st.file} (statement at line ${st.line}): ${schemaErrorText(err)}`,
        st.file,
        mysqlCode(err) ?? 'error',
      );
    throw new MappedStatementError(st.file, st.line, err);
  }
}

/** Every statement of a plan step, in order, with the values each one binds. */
export function stepStatements(
  mapping: Mapping,
  write: PlannedWrite,
): Array<{ st: MappedStatement; values: Record<string, unknown> }> {
  const s = mapping.statements;
  const event: OrderEvent = write.event;
  if (write.kind === 'invoice') {
    const creditNote = (write.event.data as { kind?: string }).kind === 'credit_note';
    const file =
      creditNote && s['insert_credit_note.sql'].length > 0
        ? 'insert_credit_note.sql'
        : 'insert_invoice.sql';
    const values = bag(event);
    return s[file].map((st) => ({ st, values }));
  }
  const order = bag(event);
  return [
    ...s['upsert_order.sql'].map((st) => ({ st, values: order })),
    ...s['delete_lines.sql'].map((st) => ({ st, values: order })),
    ...write.event.data.lines.flatMap((line, i) => {
      const values = bag(event, { line: { ...line, no: i + 1 } });
      return s['replace_lines.sql'].map((st) => ({ st, values }));
    }),
  ];
}

export function createSqlTarget(mapping: Mapping): Target {
  const writeStep = async (conn: PoolConnection, _orderId: string, write: PlannedWrite) => {
    // :insertId is the key the statement just before generated, taken from its
    // own reply, never the session's LAST_INSERT_ID(): an INSERT … SELECT that
    // found no parent binds NULL (a NOT NULL column refuses it) instead of the
    // id of an earlier, unrelated row.
    let insertId: number | null = null;
    let lastValues: object | undefined;
    let lastFile: string | undefined;
    for (const { st, values } of stepStatements(mapping, write)) {
      // a new file, or the same file for the next line (new values), starts with none
      if (values !== lastValues || st.file !== lastFile) insertId = null;
      lastValues = values;
      lastFile = st.file;
      const reply = await run(conn, st, { ...values, [INSERT_ID]: insertId });
      insertId =
        !Array.isArray(reply) && reply.affectedRows > 0 && reply.insertId > 0
          ? reply.insertId
          : null;
    }
  };
  const causeOf = (err: unknown) => (err instanceof MappedStatementError ? err.cause : err);
  return {
    kind: 'sql',
    async writeBatch(conn, orderId, writes) {
      for (const w of writes) await writeStep(conn, orderId, w);
      return [];
    },
    writeStep,
    isDataError: (err) => err instanceof MappedStatementError && isSqlDataError(err.cause),

    describeDataError(err) {
      const cause = causeOf(err) as { errno?: number; message?: string };
      const where =
        err instanceof MappedStatementError
          ? `${err.file} (statement at line ${err.line})`
          : 'mapping';
      const code = mysqlCode(cause) ?? (cause as Error).name;
      const errno = cause.errno ? ` ${cause.errno}` : '';
      return `${where} refused the data: ${code}${errno}: ${withoutQuotedValues(cause.message ?? '')}`;
    },

    async readOrder(pool, orderId): Promise<StoredOrder | null> {
      const sets: Array<Array<Record<string, unknown>>> = [];
      for (const st of mapping.statements['read_order.sql']) {
        const rows = await run(pool, st, { orderId });
        if (Array.isArray(rows)) sets.push(rows);
      }
      return storedOrderFromRows(orderId, sets);
    },

    legacyState: () => Promise.resolve(null),

    async checkSchema(pool): Promise<TargetProblem[]> {
      const problems: TargetProblem[] = [];
      const conn = await pool.getConnection();
      // Inside a transaction that is rolled back: EXPLAIN fires no trigger, but
      // the optimizer may evaluate a constant stored-function call while
      // planning, and whatever such a function writes must not stay.
      await conn.beginTransaction();
      try {
        for (const list of Object.values(mapping.statements))
          for (const st of list) {
            const problem = await statementProblem(conn, st);
            if (problem) problems.push({ where: `${st.file}:${st.line}`, message: problem });
          }
      } finally {
        await conn.rollback().catch(() => undefined);
        conn.release();
      }
      return problems;
    },
  };
}

/** Statements EXPLAIN takes, in both MySQL 8.4 and MariaDB 10.11. */
const EXPLAINABLE = /^\W*(select|insert|update|delete|replace|with)\b/i;

/**
 * What is wrong with one statement against the live schema, or null.
 * PREPARE resolves most names without running anything, but MariaDB resolves
 * an INSERT … SELECT's column list only when it runs: EXPLAIN of the statement
 * (every parameter NULL) resolves it too without running the statement; the
 * caller holds a transaction it rolls back.
 */
async function statementProblem(conn: PoolConnection, st: MappedStatement): Promise<string | null> {
  try {
    const prepared = await conn.prepare(st.sql);
    const count = (prepared as unknown as { parameters?: unknown[] }).parameters?.length;
    // unprepare, not close: it also drops mysql2's cache entry, which execute() would reuse.
    conn.unprepare(st.sql);
    if (count !== undefined && count !== st.params.length)
      return `the server counts ${count} parameters, the mapping binds ${st.params.length}`;
  } catch (err) {
    return schemaErrorText(err);
  }
  if (!EXPLAINABLE.test(st.sql)) return null;
  const explain = `EXPLAIN ${st.sql}`;
  try {
    await conn.execute(
      explain,
      st.params.map(() => null),
    );
  } catch (err) {
    // Only a name EXPLAIN could not resolve is the schema's fault; PREPARE already parsed it.
    if (isSqlSchemaError(err) && mysqlCode(err) !== 'ER_PARSE_ERROR') return schemaErrorText(err);
  } finally {
    conn.unprepare(explain);
  }
  return null;
}
