/**
 * Log scrubbing. Customer data (name, e-mail, phone, addresses, and an order's
 * ERP-specific attributes, which may name a person) lives under these keys in
 * events and rows, and secrets under the others; a field with one of these
 * names is replaced whole, at any depth, before a line is written. mysql2
 * errors carry the statement and its values (`sql`, `values`), so those go too.
 */
const REDACTED_KEYS = new Set([
  'customer',
  'shippingaddress',
  'shipping_address',
  'billingaddress',
  'billing_address',
  'address',
  'email',
  'phone',
  'attributes',
  'password',
  'passwd',
  'secret',
  'token',
  'tasktoken',
  'apikey',
  'api_key',
  'authorization',
  'sasl',
  'sql',
  'values',
]);

export const REDACTED = '[redacted]';

const MAX_DEPTH = 8;

/** Replaces the password in any `scheme://user:password@host` inside a string. */
export function scrubString(s: string): string {
  return s.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s/]+@/gi, '$1***@');
}

function scrubError(err: Error, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = { type: err.name, message: scrubString(err.message) };
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') out.code = code;
  if (err.stack) out.stack = scrubString(err.stack);
  if (err.cause !== undefined && depth < MAX_DEPTH) out.cause = scrub(err.cause, depth + 1);
  return out;
}

/** A copy of `value` that is safe to log: sensitive keys replaced, URL passwords masked. */
export function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubString(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (value instanceof Error) return scrubError(value, depth);
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = REDACTED_KEYS.has(k.toLowerCase()) ? REDACTED : scrub(v, depth + 1);
  }
  return out;
}
