import { z } from 'zod';
import { ConfigError } from './config-error';
import { hostPort, positiveInt } from './values';

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

/** Payload encryption in Temporal, and the codec server the Temporal UI decodes through. */
export const encryptionEnv = z.object({
  ORDERSYNC_ENCRYPTION: z.enum(['on', 'off']).default('on'),
  ORDERSYNC_ENCRYPTION_KEYS: encryptionKeys.optional(),
  ORDERSYNC_CODEC_LISTEN: hostPort.default('127.0.0.1:8234'),
  ORDERSYNC_CODEC_CORS_ORIGINS: originList.default([
    'http://127.0.0.1:8233',
    'http://localhost:8233',
  ]),
  ORDERSYNC_CODEC_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  ORDERSYNC_CODEC_MAX_BODY_BYTES: positiveInt.default(8 * 1024 * 1024),
});

/**
 * The payload encryption keys; a clear error when encryption is on and none are set.
 * Empty when encryption is off and no keys are listed.
 */
export function requireEncryptionKeys(
  cfg: Pick<z.infer<typeof encryptionEnv>, 'ORDERSYNC_ENCRYPTION' | 'ORDERSYNC_ENCRYPTION_KEYS'>,
): readonly EncryptionKey[] {
  const keys = cfg.ORDERSYNC_ENCRYPTION_KEYS ?? [];
  if (cfg.ORDERSYNC_ENCRYPTION === 'on' && keys.length === 0) {
    throw new ConfigError(
      'ORDERSYNC_ENCRYPTION_KEYS (or ORDERSYNC_ENCRYPTION_KEYS_FILE) must list at least one keyId:base64-32-bytes key while ORDERSYNC_ENCRYPTION=on (`npm run infra -- up` writes a dev key)',
      ['ORDERSYNC_ENCRYPTION_KEYS'],
    );
  }
  return keys;
}
