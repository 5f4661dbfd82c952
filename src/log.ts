import { hostname } from 'node:os';
import { pino } from 'pino';
import type { DestinationStream, Level, LevelWithSilent, Logger as PinoLogger } from 'pino';
import { formatPretty } from './observability/pretty-log';
import { scrub } from './observability/redact';

/**
 * Every log line of a process goes through one pino logger: JSON lines on
 * stderr by default (stdout stays free for command output such as `--json`),
 * a readable format when stdout is a terminal or `ORDERSYNC_LOG_FORMAT=pretty`.
 * Each line names its `component`; the Temporal SDK and kafkajs write through
 * the adapters in observability/ with components `temporal.*` and `kafkajs`.
 * Customer data and secrets are scrubbed from every field (see redact.ts), but
 * never pass them in a message string: only field values can be scrubbed.
 */

const LEVELS: readonly LevelWithSilent[] = [
  'trace',
  'debug',
  'info',
  'warn',
  'error',
  'fatal',
  'silent',
];

/** The level from `ORDERSYNC_LOG_LEVEL` (default `info`); a bad value fails with the variable named. */
export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): LevelWithSilent {
  const raw = (env.ORDERSYNC_LOG_LEVEL ?? 'info').trim().toLowerCase();
  if (!(LEVELS as readonly string[]).includes(raw)) {
    throw new Error(`ORDERSYNC_LOG_LEVEL: "${raw}" is not one of ${LEVELS.join(', ')}`);
  }
  return raw as LevelWithSilent;
}

/** `json` or `pretty`, from `ORDERSYNC_LOG_FORMAT`, else pretty exactly when stdout is a terminal. */
export function logFormatFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  isTty: boolean = process.stdout.isTTY === true,
): 'json' | 'pretty' {
  const raw = env.ORDERSYNC_LOG_FORMAT?.trim().toLowerCase();
  if (raw === undefined || raw === '') return isTty ? 'pretty' : 'json';
  if (raw !== 'json' && raw !== 'pretty') {
    throw new Error(`ORDERSYNC_LOG_FORMAT: "${raw}" is not json or pretty`);
  }
  return raw;
}

/** Builds the process's root logger; `out` is the byte sink (stderr unless a test passes its own). */
export function buildRootLogger(
  env: NodeJS.ProcessEnv = process.env,
  out: { write(chunk: string): unknown } = process.stderr,
): PinoLogger {
  const format = logFormatFromEnv(env);
  const destination: DestinationStream =
    format === 'pretty'
      ? {
          write: (line: string) =>
            void out.write(formatPretty(line, process.stdout.isTTY === true)),
        }
      : { write: (line: string) => void out.write(line) };
  return pino(
    {
      level: logLevelFromEnv(env),
      base: { pid: process.pid, hostname: hostname() },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (fields) => scrub(fields) as Record<string, unknown>,
      },
    },
    destination,
  );
}

let root: PinoLogger | undefined;

/** The process's root logger, built on first use from the environment. */
export function rootLogger(): PinoLogger {
  root ??= buildRootLogger();
  return root;
}

/** Replaces the root logger (tests capture lines this way). */
export function setRootLogger(logger: PinoLogger): void {
  root = logger;
}

export type LogFields = Record<string, unknown>;

/**
 * A logger for one component. Call sites pass a constant message and the
 * variable parts as fields: `log.info('created topics', { topics })`.
 */
export function createLogger(component: string) {
  const child = (): PinoLogger => rootLogger().child({ component });
  let cached: { parent: PinoLogger; child: PinoLogger } | undefined;
  const get = () => {
    const parent = rootLogger();
    if (cached?.parent !== parent) cached = { parent, child: child() };
    return cached.child;
  };
  const at = (level: Level) => (msg: string, fields?: LogFields) => get()[level](fields ?? {}, msg);
  return {
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    isLevelEnabled: (level: Level) => get().isLevelEnabled(level),
  };
}
export type Logger = ReturnType<typeof createLogger>;
