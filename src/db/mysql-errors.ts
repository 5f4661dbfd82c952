import { ApplicationFailure } from '@temporalio/common';

/**
 * MySQL errors as they may leave an activity. mysql2 errors carry the whole
 * statement with its values (`sql`), and MySQL's own messages quote values
 * ("Duplicate entry 'jane@example.com' for key …", "… near 'O'Brien', …' at
 * line 1"). Activity failures are logged by the SDK and kept in workflow
 * history, so what leaves is the error code, the names of the statements sent
 * and the message with every quoted excerpt cut out.
 */

/**
 * MySQL errors that mean one event's data cannot be stored (too long, bad
 * date, out of range); retrying cannot help, so the event is rejected. Not
 * ER_DUP_ENTRY: every id the apply writes is checked in the plan first, so a
 * duplicate key can only come from a concurrent writer and is retried.
 */
const DATA_ERRORS = new Set([
  'ER_DATA_TOO_LONG',
  'ER_TRUNCATED_WRONG_VALUE',
  'ER_TRUNCATED_WRONG_VALUE_FOR_FIELD',
  'ER_WARN_DATA_OUT_OF_RANGE',
  'ER_INVALID_JSON_TEXT',
  'ER_BAD_NULL_ERROR',
]);

/**
 * MySQL errors that mean the statement itself is wrong: a defect in
 * ordersync, or a server setting that changes how statements parse. Retrying
 * sends the same text again, so it can never succeed.
 */
const DEFECT_ERRORS = new Set(['ER_PARSE_ERROR', 'ER_SYNTAX_ERROR']);

/** The type of the non-retryable failure an apply throws for a statement MySQL cannot parse. */
export const SQL_DEFECT_ERROR = 'SqlDefectError';

/** The mysql2 error code (`ER_…`) of `err`, if it has one. */
export const mysqlCode = (err: unknown): string | undefined => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

/** Whether `err` says the data itself cannot be stored (a RangeError is a date we cannot format). */
export function isDataError(err: unknown): err is Error {
  const code = mysqlCode(err);
  return err instanceof RangeError || (err instanceof Error && !!code && DATA_ERRORS.has(code));
}

/** Whether `err` says MySQL could not parse the statement. */
export function isSqlDefect(err: unknown): boolean {
  const code = mysqlCode(err);
  return err instanceof Error && !!code && DEFECT_ERRORS.has(code);
}

/**
 * A MySQL error message with its quoted values cut out. A column, key or
 * constraint name is kept when it is a plain identifier; every other quoted
 * excerpt goes, from the first quote left to the last, so a value holding
 * quotes of its own cannot split the cut and leave a piece of itself outside.
 */
export function withoutQuotedValues(message: string): string {
  const kept: string[] = [];
  const keep = (s: string) => `\uE000${kept.push(s) - 1}\uE000`;
  let m = message
    // MySQL's syntax error quotes the statement's text from the error on.
    .replace(
      /near '[\s\S]*' at line (\d+)/,
      (_, line: string) => `near ${keep("'…'")} at line ${line}`,
    )
    .replace(
      /\b(for (?:column|key)|[Cc]olumn|[Cc]onstraint|[Kk]ey) '([\w$.]+)'/g,
      (_, what: string, name: string) => `${what} ${keep(`'${name}'`)}`,
    )
    .replace(/`[\w$.]+`/g, (name) => keep(name));
  const first = m.search(/['"]/);
  if (first >= 0) {
    const last = Math.max(m.lastIndexOf("'"), m.lastIndexOf('"'));
    m = last > first ? `${m.slice(0, first)}'…'${m.slice(last + 1)}` : `${m.slice(0, first)}'…'`;
  }
  return m.replace(/\uE000(\d+)\uE000/g, (_, i: string) => kept[Number(i)] ?? '');
}

/**
 * What each statement of `sql` does, as `VERB table` (`INSERT orders`,
 * `SELECT orders, invoices`, `COMMIT`), in order: names only, never a value.
 * Literals are removed first (with the backslash escapes mysql2 writes), so a
 * value can neither end a statement nor pass for a table name.
 */
export function statementNames(sql: string): string[] {
  return withoutLiterals(sql)
    .split(';')
    .map((st) => st.trim())
    .filter((st) => st !== '')
    .map(nameOf);
}

function nameOf(st: string): string {
  const ident = '`?([A-Za-z_][\\w$]*)`?';
  const into = new RegExp(`^(INSERT|REPLACE)\\s+(?:IGNORE\\s+)?INTO\\s+${ident}`, 'i').exec(st);
  if (into) return `${into[1]!.toUpperCase()} ${into[2]}`;
  const update = new RegExp(`^UPDATE\\s+${ident}`, 'i').exec(st);
  if (update) return `UPDATE ${update[1]}`;
  const del = new RegExp(`^DELETE\\s+FROM\\s+${ident}`, 'i').exec(st);
  if (del) return `DELETE ${del[1]}`;
  if (/^SELECT\b/i.test(st)) {
    const tables = [...st.matchAll(new RegExp(`\\bFROM\\s+${ident}`, 'gi'))].map((x) => x[1]);
    return tables.length > 0 ? `SELECT ${[...new Set(tables)].join(', ')}` : 'SELECT';
  }
  const words = /^[A-Za-z]+(?:\s+[A-Za-z]+)?/.exec(st)?.[0] ?? '?';
  return words.toUpperCase().replace(/\s+/, ' ');
}

/** `sql` with every '…' and "…" literal replaced by `?`. */
function withoutLiterals(sql: string): string {
  let out = '';
  let quote: string | null = null;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (quote === null) {
      if (c === "'" || c === '"') {
        quote = c;
        out += '?';
      } else out += c;
    } else if (c === '\\') i++;
    else if (c === quote) {
      if (sql[i + 1] === quote) i++;
      else quote = null;
    }
  }
  return out;
}

/**
 * `err` safe to throw out of an activity: a mysql2 error becomes a plain
 * Error named by its code, whose message is `CODE in [statements]: message`
 * without quoted values and without the statement; anything else is returned
 * as it is.
 */
export function withoutMysqlValues(err: unknown): unknown {
  if (!(err instanceof Error) || !('sql' in err)) return err;
  const code = mysqlCode(err) ?? err.name;
  const sql = (err as { sql?: unknown }).sql;
  const names = typeof sql === 'string' ? statementNames(sql) : [];
  const text = (err as { sqlMessage?: unknown }).sqlMessage;
  const message = withoutQuotedValues(typeof text === 'string' ? text : err.message);
  const clean = new Error(
    `${code}${names.length > 0 ? ` in [${names.join('; ')}]` : ''}: ${message}`,
  );
  clean.name = code;
  return clean;
}

/**
 * What the apply throws for `err`: its values removed, and a statement MySQL
 * cannot parse turned into a non-retryable failure, so the order blocks with
 * the reason instead of retrying the same text forever.
 */
export function applyFailure(err: unknown): unknown {
  const clean = withoutMysqlValues(err);
  // A target's own error (a mapping statement's) carries MySQL's as its cause.
  const cause = (err as { cause?: unknown } | null)?.cause;
  if (!isSqlDefect(err) && !isSqlDefect(cause)) return clean;
  return ApplicationFailure.create({
    type: SQL_DEFECT_ERROR,
    nonRetryable: true,
    message: `${(clean as Error).message} (MySQL could not parse a statement: a defect or a server sql_mode ordersync does not support; retrying cannot help)`,
  });
}

/** Runs `fn`, an activity that sends SQL, so that no error leaves it with values in it. */
export async function sendingSql<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw withoutMysqlValues(err);
  }
}
