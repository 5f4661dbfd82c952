import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import {
  applyFailure,
  isDataError,
  isSqlDefect,
  SQL_DEFECT_ERROR,
  statementNames,
  withoutMysqlValues,
  withoutQuotedValues,
} from '../../src/db/mysql-errors';

const MARKER = 'jane.marker@example.test';

/** An error shaped as mysql2 throws it: code, errno, sqlMessage, and the statement with its values. */
function mysqlError(code: string, sqlMessage: string, sql: string): Error {
  return Object.assign(new Error(sqlMessage), {
    code,
    errno: 1,
    sqlState: '42000',
    sqlMessage,
    sql,
  });
}

describe('withoutQuotedValues', () => {
  it('cuts the rejected value out of a MySQL message and keeps the column', () => {
    expect(
      withoutQuotedValues(
        "Incorrect string value: '\\xF0\\x9F\\x98 jane@example.com' for column 'customer' at row 1",
      ),
    ).toBe("Incorrect string value: '…' for column 'customer' at row 1");
    expect(withoutQuotedValues("Duplicate entry 'o''brien@example.ie' for key 'uq_email'")).toBe(
      "Duplicate entry '…' for key 'uq_email'",
    );
    expect(withoutQuotedValues("Data too long for column 'sku' at row 2")).toBe(
      "Data too long for column 'sku' at row 2",
    );
  });

  it('cuts the whole excerpt of a syntax error, however its quotes pair up', () => {
    const msg = `You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near '; DROP TABLE x; -- \\",\\"email\\":\\"${MARKER}\\"}', '{\\"line1\\":\\"1 O'Brien Road' at line 3`;
    const clean = withoutQuotedValues(msg);
    expect(clean).toBe(
      "You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near '…' at line 3",
    );
  });

  it('leaves nothing of a value that mimics an identifier context inside it', () => {
    const clean = withoutQuotedValues(
      `Duplicate entry '${MARKER}' for key 'x' for key 'orders_email' at row 1`,
    );
    expect(clean).not.toContain(MARKER);
    expect(clean).toContain("for key 'orders_email'");
  });

  it('keeps backquoted identifiers and cuts an unterminated excerpt to the end', () => {
    expect(
      withoutQuotedValues('CONSTRAINT `order_events.payload` failed for `erp`.`order_events`'),
    ).toBe('CONSTRAINT `order_events.payload` failed for `erp`.`order_events`');
    expect(withoutQuotedValues(`Truncated incorrect value: '${MARKER}`)).toBe(
      "Truncated incorrect value: '…'",
    );
  });
});

describe('statementNames', () => {
  it('names each statement by verb and table, never by a value', () => {
    const sql = [
      'START TRANSACTION',
      "INSERT INTO order_locks (order_id) VALUES ('A; UPDATE secrets SET x=1') ON DUPLICATE KEY UPDATE order_id = order_id",
      "SELECT 'order' AS k FROM orders WHERE order_id = 'x FROM customers' UNION ALL SELECT 'i' FROM invoices WHERE order_id = 'it\\'s; DELETE FROM t'",
      "UPDATE `orders` SET status = \"x;y\" WHERE order_id = 'o''k'",
      'DELETE FROM dlq_replays WHERE 1',
      'COMMIT',
    ].join(';\n');
    expect(statementNames(sql)).toEqual([
      'START TRANSACTION',
      'INSERT order_locks',
      'SELECT orders, invoices',
      'UPDATE orders',
      'DELETE dlq_replays',
      'COMMIT',
    ]);
  });
});

describe('errors leaving an activity', () => {
  const sql = `INSERT INTO orders (customer) VALUES ('{"name":"O\\'Brien","email":"${MARKER}"}');\nCOMMIT`;

  it('a duplicate key: transient, named by its code, with the statements and without the value', () => {
    const err = mysqlError(
      'ER_DUP_ENTRY',
      `Duplicate entry '${MARKER}' for key 'orders_email'`,
      sql,
    );
    const out = applyFailure(err) as Error;
    expect(out).not.toBeInstanceOf(ApplicationFailure);
    expect(out.name).toBe('ER_DUP_ENTRY');
    expect(out.message).toBe(
      "ER_DUP_ENTRY in [INSERT orders; COMMIT]: Duplicate entry '…' for key 'orders_email'",
    );
    expect(JSON.stringify({ ...out, stack: out.stack })).not.toContain(MARKER);
  });

  it('a parse error: a non-retryable SqlDefectError, without the excerpt', () => {
    const err = mysqlError(
      'ER_PARSE_ERROR',
      `You have an error in your SQL syntax; near 'Brien","email":"${MARKER}"}')' at line 1`,
      sql,
    );
    expect(isSqlDefect(err)).toBe(true);
    const out = applyFailure(err) as ApplicationFailure;
    expect(out).toBeInstanceOf(ApplicationFailure);
    expect(out.type).toBe(SQL_DEFECT_ERROR);
    expect(out.nonRetryable).toBe(true);
    expect(out.message).toContain(
      "ER_PARSE_ERROR in [INSERT orders; COMMIT]: You have an error in your SQL syntax; near '…' at line 1",
    );
    expect(`${out.message} ${out.stack}`).not.toContain(MARKER);
    expect(`${out.message}`).not.toContain('Brien');
  });

  it('passes other errors through, and classifies data errors as before', () => {
    const plain = new Error('connect ECONNREFUSED 127.0.0.1:3306');
    expect(withoutMysqlValues(plain)).toBe(plain);
    expect(isDataError(mysqlError('ER_DATA_TOO_LONG', "Data too long for column 'sku'", sql))).toBe(
      true,
    );
    expect(isDataError(new RangeError('Invalid time value'))).toBe(true);
    expect(isDataError(mysqlError('ER_DUP_ENTRY', 'x', sql))).toBe(false);
  });
});
