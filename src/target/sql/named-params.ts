/**
 * Named parameters in a mapping statement (`:orderId`, `:customer.email`,
 * `:line.qty`): found outside string literals, quoted names and comments, and
 * replaced by `?` so that every value is bound, never spliced into the text.
 */

/** One `:name` in a statement, with where it is (1-based) for error messages. */
export interface NamedParam {
  name: string;
  line: number;
  column: number;
}

export interface ParsedStatement {
  /** The statement with every named parameter replaced by `?`. */
  sql: string;
  /** The parameters in the order their `?` appear. */
  params: NamedParam[];
  /** Line of the file the statement starts on. */
  line: number;
}

const NAME = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*/y;

/**
 * Splits a mapping file into statements (at `;` outside literals and comments)
 * and converts each one's named parameters. A `?` written in the file is
 * refused: it would bind nothing by name.
 */
export function parseNamedStatements(text: string): ParsedStatement[] {
  const out: ParsedStatement[] = [];
  let sql = '';
  let params: NamedParam[] = [];
  let line = 1;
  let column = 1;
  let startLine = 1;
  let hasCode = false;
  const flush = () => {
    if (hasCode) out.push({ sql: sql.trim(), params, line: startLine });
    sql = '';
    params = [];
    hasCode = false;
  };
  let i = 0;
  const advance = (s: string) => {
    for (const ch of s) {
      if (ch === '\n') {
        line++;
        column = 1;
      } else column++;
    }
  };
  while (i < text.length) {
    const ch = text[i]!;
    const rest = text.slice(i);
    const comment = /^(--[ \t]|--$|#)[^\n]*/m.exec(rest) ?? /^\/\*[\s\S]*?\*\//.exec(rest);
    if ((ch === '-' || ch === '#' || ch === '/') && comment && comment.index === 0) {
      advance(comment[0]);
      sql += ' ';
      i += comment[0].length;
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') {
      let j = i + 1;
      while (j < text.length) {
        if (text[j] === '\\' && ch !== '`') j += 2;
        else if (text[j] === ch && text[j + 1] === ch) j += 2;
        else if (text[j] === ch) break;
        else j++;
      }
      const literal = text.slice(i, j + 1);
      if (!hasCode) startLine = line;
      hasCode = true;
      sql += literal;
      advance(literal);
      i = j + 1;
      continue;
    }
    if (ch === ':' && text[i + 1] !== '=') {
      NAME.lastIndex = i + 1;
      const m = NAME.exec(text);
      if (m) {
        if (!hasCode) startLine = line;
        hasCode = true;
        params.push({ name: m[0], line, column });
        sql += '?';
        advance(`:${m[0]}`);
        i += 1 + m[0].length;
        continue;
      }
    }
    if (ch === '?') throw new SyntaxError(`line ${line}:${column}: use a named parameter, not ?`);
    if (ch === ';') {
      flush();
      advance(ch);
      i++;
      continue;
    }
    if (!/\s/.test(ch) && !hasCode) {
      startLine = line;
      hasCode = true;
    }
    sql += ch;
    advance(ch);
    i++;
  }
  flush();
  return out;
}
