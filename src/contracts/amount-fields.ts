/**
 * The message contract's amount fields, and the rules on them that need the
 * order's currency (currency.ts): events.ts composes them into its schemas.
 */
import { z } from 'zod';
import {
  fitsExponent,
  minorUnitExponent,
  normalizeAmount,
  normalizeRate,
  toMinorUnits,
} from './currency';

/** A line's amounts; other fields pass through `atExponent` untouched. */
interface AmountLine {
  unitPrice: string;
  discount?: string;
  tax?: string;
}

/**
 * Money travels as a decimal string ("12.50") or a JSON number, below 10^12,
 * with at most as many decimals as its currency has minor digits (ISO 4217: 0
 * for JPY, 3 for KWD, 2 for most; see currency.ts). Two decimals stay valid
 * for every currency as long as those past the exponent are zeros ("1500.00"
 * yen), so every version-1 amount is still accepted. A number is judged by its
 * shortest decimal form (what `String(n)` prints, which is how the JSON text
 * wrote it), never by float arithmetic, so 10000000000.03 passes exactly as
 * "10000000000.03" does. Anything else (hex, exponents, a fifth decimal) is
 * refused rather than rounded. The field schemas check the form; the order and
 * invoice schemas check the decimals against the currency and then write each
 * amount at the currency's exponent ("12.5" INR → "12.50", "1500.00" JPY → "1500").
 */
const DECIMAL = /^\d{1,12}(?:\.\d{1,4})?$/;
const SIGNED_DECIMAL = /^-?\d{1,12}(?:\.\d{1,4})?$/;
const AMOUNT_FORM = 'a decimal below 10^12 with at most 4 places';
export const amount = z
  .union([
    z.string().regex(DECIMAL, AMOUNT_FORM),
    z
      .number()
      .finite()
      .min(0)
      .refine((n) => DECIMAL.test(String(n)), AMOUNT_FORM),
  ])
  .transform((v) => String(v));

/** An amount that may be negative (the rounding adjustment). */
export const signedAmount = z
  .union([
    z.string().regex(SIGNED_DECIMAL, AMOUNT_FORM),
    z
      .number()
      .finite()
      .refine((n) => SIGNED_DECIMAL.test(String(n)), AMOUNT_FORM),
  ])
  .transform((v) => String(v));

type AmountPath = ReadonlyArray<string | number>;

/**
 * Every amount of an order or invoice that must fit its currency's exponent,
 * with its path, so one check covers them all. Lines' unit prices are rates
 * and are not among them (currency.ts, RATE_DECIMALS).
 */
function amountsOf(
  d: {
    lines?: ReadonlyArray<{ unitPrice: string; discount?: string; tax?: string }>;
  } & Record<string, unknown>,
  fields: readonly string[],
): Array<[AmountPath, string]> {
  const found: Array<[AmountPath, string]> = [];
  for (const f of fields) {
    const v = d[f];
    if (typeof v === 'string') found.push([[f], v]);
  }
  // A refinement may run on data whose other fields failed: look before reading.
  const lines: unknown = d.lines;
  if (!Array.isArray(lines)) return found;
  lines.forEach((l: unknown, i) => {
    if (typeof l !== 'object' || l === null) return;
    // A unit price is a rate (RATE_DECIMALS, whatever the currency): only its form is checked.
    for (const f of ['discount', 'tax'] as const) {
      const v = (l as Record<string, unknown>)[f];
      if (typeof v === 'string') found.push([['lines', i, f], v]);
    }
  });
  return found;
}

/** Refuses an amount with more decimals than its currency has (see `fitsExponent`). */
export function checkDecimals(fields: readonly string[]) {
  return (
    d: { currency: string; lines?: ReadonlyArray<{ unitPrice: string }> } & Record<string, unknown>,
    ctx: z.RefinementCtx,
  ) => {
    const exponent = minorUnitExponent(d.currency);
    for (const [path, value] of amountsOf(d, fields)) {
      if (!fitsExponent(value, exponent))
        ctx.addIssue({
          code: 'custom',
          path: [...path],
          message: `${d.currency} amounts have at most ${exponent} decimals`,
        });
    }
  };
}

/** The same object with every amount written at the currency's exponent. */
export function atExponent<T extends { currency: string; lines?: ReadonlyArray<AmountLine> }>(
  d: T,
  fields: readonly string[],
): T {
  const exponent = minorUnitExponent(d.currency);
  const norm = (v: string) => normalizeAmount(v, exponent);
  const out: Record<string, unknown> = { ...d };
  for (const f of fields) {
    const v = out[f];
    if (typeof v === 'string') out[f] = norm(v);
  }
  if (d.lines) {
    out.lines = d.lines.map((l) => {
      const line: AmountLine = { ...l, unitPrice: normalizeRate(l.unitPrice, exponent) };
      if (l.discount !== undefined) line.discount = norm(l.discount);
      if (l.tax !== undefined) line.tax = norm(l.tax);
      return line;
    });
  }
  return out as T;
}

/** Amount fields of an order snapshot and of an invoice, besides their lines'. */
export const ORDER_AMOUNTS = [
  'total',
  'taxTotal',
  'shippingTotal',
  'discountTotal',
  'roundingAdjustment',
];
export const INVOICE_AMOUNTS = ['amount', 'tax'];

/** The rounding adjustment is smaller in magnitude than one major unit of the currency. */
export function checkRoundingAdjustment(
  d: { currency: string; roundingAdjustment?: string },
  ctx: z.RefinementCtx,
): void {
  const r = d.roundingAdjustment;
  const exponent = minorUnitExponent(d.currency);
  if (typeof r !== 'string' || !fitsExponent(r, exponent)) return;
  const units = toMinorUnits(r, exponent);
  if ((units < 0n ? -units : units) >= 10n ** BigInt(exponent))
    ctx.addIssue({
      code: 'custom',
      path: ['roundingAdjustment'],
      message: `must be smaller in magnitude than one ${d.currency}`,
    });
}
