import { describe, expect, it } from 'vitest';
import { applyFailure, SQL_DEFECT_ERROR } from '../../src/db/mysql-errors';
import { MappedStatementError } from '../../src/target/sql/sql-target';
import { isSqlDataError } from '../../src/target/sql/sql-errors';

/** What mysql2 throws: the statement and MySQL's message, both holding the value. */
function mysqlError(code: string, errno: number, sqlMessage: string): Error {
  return Object.assign(new Error(sqlMessage), {
    code,
    errno,
    sqlMessage,
    sql: "INSERT INTO sales_order (customer_email) VALUES ('jane.marker@example.com')",
  });
}

const everything = (err: unknown): string =>
  JSON.stringify(err, (_k, v: unknown) =>
    v instanceof Error ? { ...v, message: v.message, cause: (v as { cause?: unknown }).cause } : v,
  );

describe('a mapping statement error', () => {
  it('keeps the code for classification and no value, however deep it is looked at', () => {
    const raw = mysqlError(
      'ER_DUP_ENTRY',
      1062,
      "Duplicate entry 'jane.marker@example.com' for key 'customer_email'",
    );
    const err = new MappedStatementError('upsert_order.sql', 3, raw);
    expect(isSqlDataError(err.cause)).toBe(true);
    expect((err.cause as { errno?: number }).errno).toBe(1062);
    const thrown = applyFailure(err);
    expect(everything(thrown)).not.toContain('jane.marker');
    expect(everything(thrown)).toContain('upsert_order.sql');
  });

  it('turns a statement MySQL cannot parse into the non-retryable defect', () => {
    const raw = mysqlError(
      'ER_PARSE_ERROR',
      1064,
      "You have an error in your SQL syntax near 'jane.marker@example.com')' at line 1",
    );
    const thrown = applyFailure(new MappedStatementError('upsert_order.sql', 1, raw)) as {
      type?: string;
      nonRetryable?: boolean;
    };
    expect(thrown.type).toBe(SQL_DEFECT_ERROR);
    expect(thrown.nonRetryable).toBe(true);
    expect(everything(thrown)).not.toContain('jane.marker');
  });
});
