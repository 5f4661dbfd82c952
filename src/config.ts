import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_TOPICS } from './contracts/topics';
import { DEFAULT_ORDER_SYNC_OPTIONS } from './contracts/workflow-types';
import { MAX_POLL_BUDGET_MS, POLL_ACTIVITY_TIMEOUT_MS } from './erp/poll-settings';

/** Thrown at boot when an environment variable is missing or malformed. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    readonly variables: readonly string[],
  ) {
    super(message);
  }
}

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const positiveInt = z.coerce.number().int().positive();

const mysqlUrl = z
  .string()
  .url()
  .refine(
    (u) => u.startsWith('mysql://') && new URL(u).hostname !== '',
    'must be a mysql://user:password@host:port/database URL',
  );

const hostPort = z
  .string()
  .regex(/^[^\s:,]+:\d{1,5}$/, 'must be host:port')
  .refine((v) => Number(v.split(':')[1]) <= 65535, 'port must be at most 65535');

/** Durations accept `500ms`, `5s`, `10m`, `24h`, `7d` or plain milliseconds. */
export function parseDurationMs(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(value.trim());
  if (!m) throw new Error(`"${value}" is not a duration such as 500ms, 5s, 10m, 24h`);
  const n = Number(m[1]);
  const unit = m[2] ?? 'ms';
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit] ?? 1;
  return Math.round(n * factor);
}

/** One AES-256 key: its id travels in each payload's metadata so that keys can rotate. */
export interface EncryptionKey {
  readonly id: string;
  readonly key: Buffer;
}

/**
 * `keyId:base64` entries separated by commas or whitespace (so a `_FILE` may hold one per
 * line). The first entry encrypts; every entry decrypts. Messages never quote a key.
 */
const encryptionKeys = z.string().transform((v, ctx): EncryptionKey[] => {
  const keys: EncryptionKey[] = [];
  for (const entry of v.split(/[\s,]+/).filter(Boolean)) {
    const colon = entry.indexOf(':');
    const id = colon > 0 ? entry.slice(0, colon) : '';
    const b64 = entry.slice(colon + 1);
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) {
      ctx.addIssue({
        code: 'custom',
        message: `entry ${keys.length + 1} must be keyId:base64, the key id 1-64 of [A-Za-z0-9._-]`,
      });
      return z.NEVER;
    }
    const key = Buffer.from(b64, 'base64');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || key.length !== 32) {
      ctx.addIssue({
        code: 'custom',
        message: `key "${id}" must be 32 bytes in base64 (e.g. from \`openssl rand -base64 32\`)`,
      });
      return z.NEVER;
    }
    if (keys.some((k) => k.id === id)) {
      ctx.addIssue({ code: 'custom', message: `key id "${id}" is listed twice` });
      return z.NEVER;
    }
    keys.push({ id, key });
  }
  return keys;
});

const originList = z.string().transform((v, ctx) => {
  const origins = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const o of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(o);
    } catch {
      parsed = undefined;
    }
    if (!parsed || parsed.origin !== o) {
      ctx.addIssue({
        code: 'custom',
        message: `"${o}" is not an origin such as https://ui.example.com (scheme, host, port; no path)`,
      });
      return z.NEVER;
    }
  }
  return origins;
});

const duration = z.string().transform((v, ctx) => {
  try {
    return parseDurationMs(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

const envSchema = z.object({
  ORDERSYNC_TEMPORAL_ADDRESS: hostPort.default('127.0.0.1:7233'),
  ORDERSYNC_TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  ORDERSYNC_TASK_QUEUE: z.string().min(1).default('ordersync'),
  ORDERSYNC_TEMPORAL_UI_URL: z.string().url().default('http://127.0.0.1:8233'),
  ORDERSYNC_TEMPORAL_API_KEY: z.string().min(1).optional(),
  ORDERSYNC_TEMPORAL_TLS: bool.default(false),
  ORDERSYNC_TEMPORAL_TLS_CERT_FILE: z.string().min(1).optional(),
  ORDERSYNC_TEMPORAL_TLS_KEY_FILE: z.string().min(1).optional(),
  ORDERSYNC_TEMPORAL_TLS_CA_FILE: z.string().min(1).optional(),
  ORDERSYNC_TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),

  ORDERSYNC_KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:9092')
    .transform((v) => v.split(',').map((s) => s.trim()))
    .pipe(z.array(hostPort).min(1)),
  ORDERSYNC_KAFKA_CLIENT_ID: z.string().min(1).default('ordersync'),
  ORDERSYNC_KAFKA_SSL: bool.default(false),
  ORDERSYNC_KAFKA_SSL_CA_FILE: z.string().min(1).optional(),
  ORDERSYNC_KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  ORDERSYNC_KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  ORDERSYNC_KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  ORDERSYNC_TOPIC_ONLINE: z.string().min(1).default(DEFAULT_TOPICS.online),
  ORDERSYNC_TOPIC_STORE: z.string().min(1).default(DEFAULT_TOPICS.store),
  ORDERSYNC_TOPIC_INTERNATIONAL: z.string().min(1).default(DEFAULT_TOPICS.international),
  ORDERSYNC_TOPIC_DLQ: z.string().min(1).default(DEFAULT_TOPICS.dlq),
  ORDERSYNC_TOPIC_PARTITIONS: positiveInt.default(12),
  ORDERSYNC_CONSUMER_GROUP: z.string().min(1).default('ordersync-consumer'),
  ORDERSYNC_SIGNAL_CONCURRENCY: positiveInt.default(64),
  ORDERSYNC_MAX_MESSAGE_BYTES: positiveInt.default(256 * 1024),

  ORDERSYNC_MYSQL_URL: mysqlUrl,
  ORDERSYNC_MYSQL_MIGRATE_URL: mysqlUrl.optional(),
  ORDERSYNC_MYSQL_POOL_SIZE: positiveInt.default(10),
  ORDERSYNC_ERP_MYSQL_URL: mysqlUrl,
  ORDERSYNC_ERP_WRITER_URL: mysqlUrl.optional(),

  ORDERSYNC_INVOICE_WAIT: duration.default(3_600_000),
  ORDERSYNC_IDLE_CLOSE: duration.default(86_400_000),
  ORDERSYNC_LOCAL_APPLY: bool.default(DEFAULT_ORDER_SYNC_OPTIONS.localApply),
  ORDERSYNC_SCHEDULE_ID: z.string().min(1).default('ordersync-erp-poll'),
  ORDERSYNC_CURSOR_NAME: z.string().min(1).max(64).default('erp-order-events'),
  ORDERSYNC_POLL_PAGE_SIZE: positiveInt.default(500),
  ORDERSYNC_POLL_BUDGET: duration.default(20_000),

  ORDERSYNC_ENCRYPTION: z.enum(['on', 'off']).default('on'),
  ORDERSYNC_ENCRYPTION_KEYS: encryptionKeys.optional(),
  ORDERSYNC_CODEC_LISTEN: hostPort.default('127.0.0.1:8234'),
  ORDERSYNC_CODEC_CORS_ORIGINS: originList.default([
    'http://127.0.0.1:8233',
    'http://localhost:8233',
  ]),
  ORDERSYNC_CODEC_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  ORDERSYNC_CODEC_MAX_BODY_BYTES: positiveInt.default(8 * 1024 * 1024),

  // Read by src/log.ts straight from the process environment; validated here so a typo fails at boot.
  ORDERSYNC_LOG_LEVEL: z
    .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
    .default('info'),
  ORDERSYNC_LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  ORDERSYNC_METRICS_ADDRESS: z
    .string()
    .regex(/^(off|\[?[^\s\]]+\]?:\d{1,5})$/, 'must be host:port (port 0 = a free port) or off')
    .default('127.0.0.1:0'),
});

export type Config = Readonly<z.infer<typeof envSchema>>;

/** Variables that may be given as `NAME_FILE=/path` instead of inline, so secrets stay off the command line. */
const SECRET_VARIABLES = [
  'ORDERSYNC_TEMPORAL_API_KEY',
  'ORDERSYNC_KAFKA_SASL_PASSWORD',
  'ORDERSYNC_MYSQL_URL',
  'ORDERSYNC_MYSQL_MIGRATE_URL',
  'ORDERSYNC_ERP_MYSQL_URL',
  'ORDERSYNC_ERP_WRITER_URL',
  'ORDERSYNC_ENCRYPTION_KEYS',
  'ORDERSYNC_CODEC_TOKEN',
] as const;

/** Parses `KEY=value` lines; `#` starts a comment line. No interpolation. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

/** The data directory used by `npm run infra`, where the local secrets file lives. */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.ORDERSYNC_DATA_DIR ?? path.join(__dirname, '..', '.ordersync'));
}

/**
 * Builds the effective environment: process env first, then `NAME_FILE`
 * indirections, then the env file (`ORDERSYNC_ENV_FILE`, or the local infra's
 * `.ordersync/secrets.env`) for whatever is still unset.
 */
export function resolveEnv(
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string | undefined> {
  const merged: Record<string, string | undefined> = { ...env };
  for (const name of SECRET_VARIABLES) {
    const file = env[`${name}_FILE`];
    if (merged[name] === undefined && file) {
      try {
        merged[name] = readFileSync(file, 'utf8').trim();
      } catch (err) {
        throw new ConfigError(`${name}_FILE: cannot read ${file}: ${(err as Error).message}`, [
          `${name}_FILE`,
        ]);
      }
    }
  }
  const envFile = env.ORDERSYNC_ENV_FILE ?? path.join(dataDir(env), 'secrets.env');
  if (existsSync(envFile)) {
    for (const [k, v] of Object.entries(parseEnvFile(readFileSync(envFile, 'utf8')))) {
      if (merged[k] === undefined) merged[k] = v;
    }
  } else if (env.ORDERSYNC_ENV_FILE) {
    throw new ConfigError(`ORDERSYNC_ENV_FILE: ${envFile} does not exist`, ['ORDERSYNC_ENV_FILE']);
  }
  return merged;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const merged = resolveEnv(env);
  const parsed = envSchema.safeParse(merged);
  if (!parsed.success) {
    const names = [...new Set(parsed.error.issues.map((i) => String(i.path[0])))];
    const lines = parsed.error.issues.map((i) => {
      const name = String(i.path[0]);
      const hint =
        merged[name] === undefined
          ? ' (unset; run `npm run infra -- up` for local servers, or set it)'
          : '';
      return `  ${name}: ${i.message}${hint}`;
    });
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`, names);
  }
  const cfg = parsed.data;
  const tlsFiles = [cfg.ORDERSYNC_TEMPORAL_TLS_CERT_FILE, cfg.ORDERSYNC_TEMPORAL_TLS_KEY_FILE];
  if (tlsFiles.filter(Boolean).length === 1) {
    throw new ConfigError(
      'ORDERSYNC_TEMPORAL_TLS_CERT_FILE and ORDERSYNC_TEMPORAL_TLS_KEY_FILE must be set together',
      ['ORDERSYNC_TEMPORAL_TLS_CERT_FILE', 'ORDERSYNC_TEMPORAL_TLS_KEY_FILE'],
    );
  }
  if (
    cfg.ORDERSYNC_KAFKA_SASL_MECHANISM &&
    !(cfg.ORDERSYNC_KAFKA_SASL_USERNAME && cfg.ORDERSYNC_KAFKA_SASL_PASSWORD)
  ) {
    throw new ConfigError(
      'ORDERSYNC_KAFKA_SASL_MECHANISM needs ORDERSYNC_KAFKA_SASL_USERNAME and ORDERSYNC_KAFKA_SASL_PASSWORD',
      ['ORDERSYNC_KAFKA_SASL_USERNAME', 'ORDERSYNC_KAFKA_SASL_PASSWORD'],
    );
  }
  if (cfg.ORDERSYNC_POLL_BUDGET > MAX_POLL_BUDGET_MS) {
    throw new ConfigError(
      `ORDERSYNC_POLL_BUDGET: ${cfg.ORDERSYNC_POLL_BUDGET} ms is more than ${MAX_POLL_BUDGET_MS} ms, ` +
        `the poll activity's ${POLL_ACTIVITY_TIMEOUT_MS / 1000} s timeout less ${(POLL_ACTIVITY_TIMEOUT_MS - MAX_POLL_BUDGET_MS) / 1000} s for the last page`,
      ['ORDERSYNC_POLL_BUDGET'],
    );
  }
  return Object.freeze(cfg);
}

/** The ERP writer URL, which only the simulator and the demo need; a clear error when it is unset. */
export function requireErpWriterUrl(cfg: Config, purpose: string): string {
  if (!cfg.ORDERSYNC_ERP_WRITER_URL) {
    throw new ConfigError(`${purpose} needs ORDERSYNC_ERP_WRITER_URL`, [
      'ORDERSYNC_ERP_WRITER_URL',
    ]);
  }
  return cfg.ORDERSYNC_ERP_WRITER_URL;
}

/**
 * The payload encryption keys; a clear error when encryption is on and none are set.
 * Empty when encryption is off and no keys are listed.
 */
export function requireEncryptionKeys(cfg: Config): readonly EncryptionKey[] {
  const keys = cfg.ORDERSYNC_ENCRYPTION_KEYS ?? [];
  if (cfg.ORDERSYNC_ENCRYPTION === 'on' && keys.length === 0) {
    throw new ConfigError(
      'ORDERSYNC_ENCRYPTION_KEYS (or ORDERSYNC_ENCRYPTION_KEYS_FILE) must list at least one keyId:base64-32-bytes key while ORDERSYNC_ENCRYPTION=on (`npm run infra -- up` writes a dev key)',
      ['ORDERSYNC_ENCRYPTION_KEYS'],
    );
  }
  return keys;
}

/** A URL with its password replaced, for logs and status output. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!['mysql:', 'http:', 'https:'].includes(u.protocol)) return '<redacted url>';
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparsable url>';
  }
}
