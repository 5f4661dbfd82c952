/** A readable rendering of one pino JSON line, for a person at a terminal. */

const COLORS: Record<string, string> = {
  trace: '\x1b[90m',
  debug: '\x1b[36m',
  info: '\x1b[32m',
  warn: '\x1b[33m',
  error: '\x1b[31m',
  fatal: '\x1b[35m',
};
const RESET = '\x1b[0m';

/** Fields every line has, or that are shown in the prefix instead of as key=value. */
const SHOWN = new Set(['level', 'time', 'pid', 'hostname', 'component', 'msg']);

const text = (v: unknown): string => (typeof v === 'string' ? v : (JSON.stringify(v) ?? ''));

function render(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value);
}

/**
 * `12:00:01.234 INFO  [worker] worker running taskQueue=ordersync`. An error's
 * stack follows on its own lines. Input that is not JSON is passed through.
 */
export function formatPretty(line: string, color: boolean): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const level = text(o.level ?? 'info');
  const time = typeof o.time === 'string' ? o.time.slice(11, 23) : '';
  const tag = level.toUpperCase().padEnd(5);
  const head = color ? `${COLORS[level] ?? ''}${tag}${RESET}` : tag;
  const component = o.component ? ` [${text(o.component)}]` : '';
  let stack = '';
  const fields: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    if (SHOWN.has(k)) continue;
    const err = v as { stack?: unknown; message?: unknown } | null;
    if (err && typeof err === 'object' && typeof err.stack === 'string') {
      stack += `\n    ${err.stack.replace(/\n/g, '\n    ')}`;
      fields.push(`${k}=${render(err.message)}`);
      continue;
    }
    fields.push(`${k}=${render(v)}`);
  }
  const tail = fields.length > 0 ? ` ${fields.join(' ')}` : '';
  return `${time} ${head}${component} ${text(o.msg ?? '')}${tail}${stack}\n`;
}
