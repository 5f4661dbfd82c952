/**
 * The one thing every ERP adapter needs from a database: run a statement with
 * named parameters and get rows back as plain objects. Values are always bound,
 * never spliced into the SQL text; an array parameter becomes a list of
 * bind markers (for `IN (:ids)`).
 */
export type SqlValue = string | number | bigint | null | Date;
export type SqlParams = Readonly<Record<string, SqlValue | readonly SqlValue[]>>;
export type SqlRow = Record<string, unknown>;

export type SqlDialect = 'mysql' | 'postgres';

export interface SqlClient {
  readonly dialect: SqlDialect;
  query(sql: string, params?: SqlParams): Promise<SqlRow[]>;
  close(): Promise<void>;
}

/** Thrown when a statement names a parameter it was not given; a mapping bug, not a transient failure. */
export class MissingSqlParameterError extends Error {
  override readonly name = 'MissingSqlParameterError';
  constructor(readonly parameter: string) {
    super(`the statement uses :${parameter}, which was not given`);
  }
}

/**
 * Rewrites `:name` parameters to the dialect's positional bind markers and lists the
 * values in order. Quoted strings, quoted identifiers (`"x"`, `` `x` ``),
 * comments and PostgreSQL's `::type` casts are left alone. An empty list binds
 * one NULL, so `IN (:ids)` matches nothing instead of being a syntax error.
 */
export function bindNamed(
  sql: string,
  params: SqlParams,
  dialect: SqlDialect,
): { text: string; values: SqlValue[] } {
  const values: SqlValue[] = [];
  const bindMarker = (v: SqlValue) => {
    values.push(v);
    return dialect === 'postgres' ? `$${values.length}` : '?';
  };
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    const skip = skipLiteral(sql, i);
    if (skip > i) {
      out += sql.slice(i, skip);
      i = skip;
      continue;
    }
    if (ch === ':' && sql[i + 1] === ':') {
      out += '::';
      i += 2;
      continue;
    }
    const m = ch === ':' ? /^:([A-Za-z_][A-Za-z0-9_]*)/.exec(sql.slice(i)) : null;
    if (m) {
      const name = m[1]!;
      if (!Object.hasOwn(params, name)) throw new MissingSqlParameterError(name);
      const v = params[name]!;
      if (Array.isArray(v)) out += v.length === 0 ? bindMarker(null) : v.map(bindMarker).join(', ');
      else out += bindMarker(v as SqlValue);
      i += m[0].length;
      continue;
    }
    out += ch;
    i++;
  }
  return { text: out, values };
}

/** The index after a quoted string, quoted identifier or comment starting at `i`; `i` if none starts there. */
function skipLiteral(sql: string, i: number): number {
  const ch = sql[i]!;
  if (ch === '-' && sql[i + 1] === '-') {
    const end = sql.indexOf('\n', i);
    return end === -1 ? sql.length : end;
  }
  if (ch === '/' && sql[i + 1] === '*') {
    const end = sql.indexOf('*/', i + 2);
    return end === -1 ? sql.length : end + 2;
  }
  if (ch !== "'" && ch !== '"' && ch !== '`') return i;
  let j = i + 1;
  while (j < sql.length) {
    if (sql[j] === '\\' && ch === "'") j += 2;
    else if (sql[j] === ch && sql[j + 1] === ch) j += 2;
    else if (sql[j] === ch) return j + 1;
    else j++;
  }
  return sql.length;
}
