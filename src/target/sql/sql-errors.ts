/**
 * How a mapping statement's MySQL error is handled. Data errors are the
 * event's fault (a constraint, a foreign key, a value too long, a bad date, a
 * trigger's SIGNAL): the order is blocked. Schema errors are the mapping's or
 * the schema's fault: the worker refuses to start, and a running one retries
 * and reports it on /readyz. Anything else (a lost connection, a deadlock) is
 * transient and retried.
 */
import { mysqlCode } from '../../db/mysql-errors';

const DATA_ERRORS = new Set([
  'ER_DUP_ENTRY',
  'ER_DUP_ENTRY_WITH_KEY_NAME',
  'ER_NO_REFERENCED_ROW',
  'ER_NO_REFERENCED_ROW_2',
  'ER_ROW_IS_REFERENCED',
  'ER_ROW_IS_REFERENCED_2',
  'ER_CHECK_CONSTRAINT_VIOLATED',
  'ER_CONSTRAINT_FAILED',
  'ER_DATA_TOO_LONG',
  'ER_TRUNCATED_WRONG_VALUE',
  'ER_TRUNCATED_WRONG_VALUE_FOR_FIELD',
  'ER_WARN_DATA_OUT_OF_RANGE',
  'ER_DATA_OUT_OF_RANGE',
  'ER_INVALID_JSON_TEXT',
  'ER_BAD_NULL_ERROR',
  'ER_NO_DEFAULT_FOR_FIELD',
  'ER_WRONG_VALUE',
  'ER_WRONG_VALUE_FOR_TYPE',
  'ER_SIGNAL_EXCEPTION',
  'ER_DIVISION_BY_ZERO',
  'WARN_DATA_TRUNCATED',
]);

const SCHEMA_ERRORS = new Set([
  'ER_NO_SUCH_TABLE',
  'ER_BAD_FIELD_ERROR',
  'ER_BAD_TABLE_ERROR',
  'ER_WRONG_VALUE_COUNT',
  'ER_WRONG_VALUE_COUNT_ON_ROW',
  'ER_WRONG_ARGUMENTS',
  'ER_PARSE_ERROR',
  'ER_SP_DOES_NOT_EXIST',
  'ER_TABLEACCESS_DENIED_ERROR',
  'ER_COLUMNACCESS_DENIED_ERROR',
  'ER_NON_UPDATABLE_TABLE',
  'ER_FIELD_SPECIFIED_TWICE',
  'ER_NON_UNIQ_ERROR',
]);

/** Whether a MySQL error code (`ER_…`) is one a mapping statement's data error carries. */
export const isSqlDataErrorCode = (code: string): boolean => DATA_ERRORS.has(code);

export const isSqlDataError = (err: unknown): boolean =>
  err instanceof RangeError || DATA_ERRORS.has(mysqlCode(err) ?? '');
export const isSqlSchemaError = (err: unknown): boolean => SCHEMA_ERRORS.has(mysqlCode(err) ?? '');

/**
 * MySQL's message for a schema error names identifiers, never values (an
 * unknown column, a missing table), except a parse error, which quotes the
 * statement: that one is reduced to its code.
 */
export function schemaErrorText(err: unknown): string {
  const code = mysqlCode(err) ?? 'error';
  if (code === 'ER_PARSE_ERROR') return `${code}: the statement does not parse`;
  return `${code}: ${(err as Error).message}`;
}
