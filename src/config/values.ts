// Value types shared by the subsystems' environment schemas.
import { z } from 'zod';

export const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const positiveInt = z.coerce.number().int().positive();

export const mysqlUrl = z
  .string()
  .url()
  .refine(
    (u) => u.startsWith('mysql://') && new URL(u).hostname !== '',
    'must be a mysql://user:password@host:port/database URL',
  );

export const hostPort = z
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

export const duration = z.string().transform((v, ctx) => {
  try {
    return parseDurationMs(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

/** A URL with its password replaced, for logs and status output. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!['mysql:', 'postgres:', 'postgresql:', 'http:', 'https:'].includes(u.protocol))
      return '<redacted url>';
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparsable url>';
  }
}
