/**
 * The canonical form both sides are reduced to before they are compared: the
 * contract's fields with object keys sorted, absent and null optional fields
 * alike dropped, amounts written at their currency's exponent, dates as UTC
 * ISO-8601 with milliseconds, and invoices sorted by id. Line order is kept:
 * it is part of the order. Every field the contract carries takes part, so a
 * new optional field needs no code here unless it is an amount or a date
 * (then its name goes in AMOUNT_FIELDS or DATE_FIELDS).
 */
import { createHash } from 'node:crypto';
import { LEGACY_DECIMALS, minorUnitExponent } from '../contracts/currency';
import { meansAbsent } from '../contracts/field-defaults';
import type { OrderState } from './ports';

/** Fields (at any depth) that hold money in the order's or invoice's currency. */
export const AMOUNT_FIELDS: ReadonlySet<string> = new Set([
  'total',
  'unitPrice',
  'amount',
  'tax',
  'discount',
  'taxTotal',
  'shippingTotal',
  'discountTotal',
  'roundingAdjustment',
]);
/**
 * Fields (at any depth) that hold a plain number: a quantity read back from a
 * DECIMAL column (`2.0000`) is the same as the contract's `2`.
 */
export const NUMBER_FIELDS: ReadonlySet<string> = new Set(['qty']);
/** Fields (at any depth) that hold an instant. */
export const DATE_FIELDS: ReadonlySet<string> = new Set(['issuedAt']);

export function currencyExponent(currency: unknown): number {
  return typeof currency === 'string' ? minorUnitExponent(currency) : LEGACY_DECIMALS;
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d*))?$/;

/**
 * An amount at `exponent` decimals: "12.5", 12.5 and "12.50" are all "12.50"
 * in EUR. Digits beyond the exponent are kept when they are not zero, never
 * rounded, so two different amounts never look equal. Anything that is not a
 * plain decimal is kept as its text: it differs from every real amount.
 */
export function amountAt(value: unknown, exponent: number): string {
  const text =
    typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const m = DECIMAL.exec(text);
  if (!m) return `?${JSON.stringify(value)}`;
  const whole = BigInt(m[2]!).toString();
  const frac = (m[3] ?? '').replace(/0+$/, '');
  const digits = frac.length > exponent ? frac : frac.padEnd(exponent, '0');
  const sign = m[1] && (whole !== '0' || /[1-9]/.test(frac)) ? '-' : '';
  return digits.length > 0 ? `${sign}${whole}.${digits}` : `${sign}${whole}`;
}

function instant(value: unknown): string {
  const d = new Date(typeof value === 'string' ? value : Number.NaN);
  return Number.isNaN(d.getTime()) ? `?${JSON.stringify(value)}` : d.toISOString();
}

/** `value` in canonical form; `currency` is the nearest enclosing one. */
function normalise(value: unknown, currency: unknown, key?: string): unknown {
  if (key !== undefined && AMOUNT_FIELDS.has(key))
    return amountAt(value, currencyExponent(currency));
  if (key !== undefined && NUMBER_FIELDS.has(key)) return amountAt(value, 0);
  if (key !== undefined && DATE_FIELDS.has(key)) return instant(value);
  if (Array.isArray(value)) return value.map((v) => normalise(v, currency));
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const cur = o.currency ?? currency;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o).sort()) {
      if (meansAbsent(k, o[k])) continue;
      out[k] = normalise(o[k], cur, k);
    }
    return out;
  }
  return value;
}

export interface CanonicalOrder {
  channel: string;
  snapshotVersion: number;
  /** Each snapshot field's canonical JSON, by field name. */
  fields: Record<string, string>;
  /** Each invoice's canonical JSON, by invoice id. */
  invoices: Map<string, string>;
}

export function canonicalOrder(s: OrderState): CanonicalOrder {
  const snapshot = normalise(s.snapshot, undefined) as Record<string, unknown>;
  const fields: Record<string, string> = {};
  for (const k of Object.keys(snapshot)) fields[k] = JSON.stringify(snapshot[k]);
  const invoices = new Map<string, string>();
  for (const inv of s.invoices)
    invoices.set(String(inv.invoiceId), JSON.stringify(normalise(inv, undefined)));
  return { channel: s.channel, snapshotVersion: s.snapshotVersion, fields, invoices };
}

/** One line of text per order: what the hash covers, in a fixed order. */
export function canonicalText(c: CanonicalOrder): string {
  const fields = Object.keys(c.fields)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${c.fields[k]}`);
  const invoices = [...c.invoices.keys()].sort().map((id) => c.invoices.get(id)!);
  return `v${c.snapshotVersion}|${JSON.stringify(c.channel)}|{${fields.join(',')}}|[${invoices.join(',')}]`;
}

/** SHA-256 of the canonical text: equal hashes mean equal orders (the version included). */
export function orderHash(c: CanonicalOrder): string {
  return createHash('sha256').update(canonicalText(c)).digest('hex');
}
