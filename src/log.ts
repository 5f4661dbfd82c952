/** One-line structured logs on stderr. Never pass secrets or full URLs here; use redactUrl. */
export function createLogger(component: string) {
  const write = (level: string, msg: string, fields?: Record<string, unknown>) => {
    const extra = fields ? ` ${JSON.stringify(fields)}` : '';
    process.stderr.write(`${new Date().toISOString()} ${level} [${component}] ${msg}${extra}\n`);
  };
  return {
    info: (msg: string, fields?: Record<string, unknown>) => write('INFO', msg, fields),
    warn: (msg: string, fields?: Record<string, unknown>) => write('WARN', msg, fields),
    error: (msg: string, fields?: Record<string, unknown>) => write('ERROR', msg, fields),
  };
}
export type Logger = ReturnType<typeof createLogger>;
