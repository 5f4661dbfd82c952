// Where variables come from: the process environment, `NAME_FILE` indirections
// for secrets, and an env file.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../package-root';
import { ConfigError } from './config-error';

/** Variables that may be given as `NAME_FILE=/path` instead of inline, so secrets stay off the command line. */
export const SECRET_VARIABLES = [
  'ORDERSYNC_TEMPORAL_API_KEY',
  'ORDERSYNC_KAFKA_SASL_PASSWORD',
  'ORDERSYNC_MYSQL_URL',
  'ORDERSYNC_MYSQL_MIGRATE_URL',
  'ORDERSYNC_ERP_URL',
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
  return path.resolve(env.ORDERSYNC_DATA_DIR ?? path.join(PACKAGE_ROOT, '.ordersync'));
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
