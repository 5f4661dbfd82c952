/**
 * The configuration: one zod schema, composed of one piece per subsystem, turns
 * the environment into a typed, frozen `Config` at boot. A bad value fails fast
 * with a ConfigError naming the variable.
 */
import { z } from 'zod';
import { ConfigError } from './config-error';
import { contractEnv } from './contract';
import { encryptionEnv } from './encryption';
import { resolveEnv } from './env-sources';
import { checkKafkaEnv, kafkaEnv } from './kafka';
import { mysqlEnv } from './mysql';
import { observabilityEnv } from './observability';
import { reconcileEnv } from './reconcile';
import { checkTargetEnv, targetEnv } from './target';
import { checkTemporalEnv, temporalEnv } from './temporal';
import { checkWorkflowEnv, workflowEnv } from './workflow';

export { ConfigError } from './config-error';
export { requireEncryptionKeys } from './encryption';
export type { EncryptionKey } from './encryption';
export { dataDir, parseEnvFile, resolveEnv } from './env-sources';
export { requireErpWriterUrl } from './mysql';
export { workflowOptionsFromConfig } from './workflow';
export { parseDurationMs, redactUrl } from './values';

export const envSchema = z.object({
  ...temporalEnv.shape,
  ...kafkaEnv.shape,
  ...mysqlEnv.shape,
  ...targetEnv.shape,
  ...workflowEnv.shape,
  ...encryptionEnv.shape,
  ...observabilityEnv.shape,
  ...contractEnv.shape,
  ...reconcileEnv.shape,
});

export type Config = Readonly<z.infer<typeof envSchema>>;

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
  checkTemporalEnv(cfg);
  checkKafkaEnv(cfg);
  checkWorkflowEnv(cfg);
  checkTargetEnv(cfg);
  return Object.freeze(cfg);
}
