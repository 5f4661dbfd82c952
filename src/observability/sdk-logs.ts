import type {
  LogLevel as TemporalLogLevel,
  LogMetadata,
  Logger as TemporalLogger,
} from '@temporalio/common';
import { logLevel as KafkaLogLevel } from 'kafkajs';
import type { LogEntry, logCreator } from 'kafkajs';
import type { Level } from 'pino';
import { rootLogger } from '../log';

/** The per-order workflow's type name; its workflow id is the order id. */
const ORDER_WORKFLOW_TYPE = 'orderSyncWorkflow';

/** SDK metadata kept on a line; the rest (task tokens, timestamps as symbols) is dropped. */
const TEMPORAL_FIELDS = [
  'workflowId',
  'runId',
  'workflowType',
  'activityId',
  'activityType',
  'attempt',
  'isLocal',
  'taskQueue',
  'namespace',
  'error',
  'failure',
] as const;

/** Temporal's log fields in ours: `runId` (activities call it workflowRunId) and `orderId`. */
export function temporalFields(meta: LogMetadata | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!meta) return out;
  for (const k of TEMPORAL_FIELDS) if (meta[k] !== undefined) out[k] = meta[k];
  if (out.runId === undefined && meta.workflowRunId !== undefined) out.runId = meta.workflowRunId;
  if (meta.workflowType === ORDER_WORKFLOW_TYPE && typeof meta.workflowId === 'string') {
    out.orderId = meta.workflowId;
  }
  return out;
}

/**
 * The logger given to `Runtime.install`: SDK, core, workflow and activity lines
 * go to the process logger with component `temporal.<sdkComponent>`.
 */
export function temporalLogger(): TemporalLogger {
  const write = (level: TemporalLogLevel, message: string, meta?: LogMetadata) => {
    const sdk = typeof meta?.sdkComponent === 'string' ? meta.sdkComponent : 'sdk';
    const pinoLevel = level.toLowerCase() as Level;
    const log = rootLogger();
    if (!log.isLevelEnabled(pinoLevel)) return;
    log[pinoLevel]({ component: `temporal.${sdk}`, ...temporalFields(meta) }, message);
  };
  return {
    log: write,
    trace: (m, meta) => write('TRACE', m, meta),
    debug: (m, meta) => write('DEBUG', m, meta),
    info: (m, meta) => write('INFO', m, meta),
    warn: (m, meta) => write('WARN', m, meta),
    error: (m, meta) => write('ERROR', m, meta),
  };
}

/** kafkajs filters by its own level before calling the log creator; ours applies after. */
export function kafkaLogLevel(level: string = rootLogger().level): KafkaLogLevel {
  switch (level) {
    case 'trace':
      return KafkaLogLevel.DEBUG;
    case 'debug':
      return KafkaLogLevel.INFO;
    // kafkajs's info lines (every start, stop and group join) are debug detail for us.
    case 'info':
    case 'warn':
      return KafkaLogLevel.WARN;
    case 'silent':
      return KafkaLogLevel.NOTHING;
    default:
      return KafkaLogLevel.ERROR;
  }
}

const KAFKA_TO_PINO: Record<number, Level> = {
  [KafkaLogLevel.ERROR]: 'error',
  [KafkaLogLevel.WARN]: 'warn',
  [KafkaLogLevel.INFO]: 'info',
  [KafkaLogLevel.DEBUG]: 'debug',
};

/** The broker's error table inside kafkajs (not in its typings; pinned with the package). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { errorCodes } = require('kafkajs/src/protocol/error') as {
  errorCodes: { message: string; retriable: boolean }[];
};
/**
 * Broker errors kafkajs retries by itself (a leader election after a topic is
 * created or a broker restarts, a coordinator loading). Its connection logs the
 * failed response at error level before the retry; for us that is a warning,
 * and a retry that finally fails still surfaces as an error from our own code.
 */
const RETRIABLE_BROKER_ERRORS = new Set(
  errorCodes.filter((e) => e.retriable).map((e) => e.message),
);

const kafkaLevel = (entry: LogEntry): Level => {
  const level = KAFKA_TO_PINO[entry.level] ?? 'info';
  const error: unknown = (entry.log as { error?: unknown }).error;
  return level === 'error' && typeof error === 'string' && RETRIABLE_BROKER_ERRORS.has(error)
    ? 'warn'
    : level;
};

/** kafkajs's `logCreator`: its lines in our stream, component `kafkajs`, its namespace kept. */
export const kafkaLogCreator: logCreator = () => (entry) => {
  const { message, timestamp: _timestamp, logger: _logger, ...extra } = entry.log;
  const level = kafkaLevel(entry);
  rootLogger()[level]({ component: 'kafkajs', kafkaNamespace: entry.namespace, ...extra }, message);
};
