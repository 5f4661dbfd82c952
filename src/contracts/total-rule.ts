/**
 * The order total rule of contract version 2, in integer minor units:
 *
 *   total = Σ(round(qty × unitPrice) − discount + tax)
 *           + shippingTotal + taxTotal − discountTotal + roundingAdjustment
 *
 * each product rounded to the currency's minor units, half away from zero.
 * A version-1 order has none of the optional amounts and whole quantities, so
 * its rule is Σ qty × unitPrice, as before.
 */
import {
  formatMinorUnits,
  lineProductMinorUnits,
  minorUnitExponent,
  toMinorUnits,
} from './currency';

/** `strict` (the default) blocks an order whose total breaks the rule; `off` skips the check. */
export const TOTAL_RULES = ['strict', 'off'] as const;
export type TotalRule = (typeof TOTAL_RULES)[number];

/** The parts of an order snapshot the rule reads; amounts are validated decimal strings. */
export interface TotalInput {
  currency: string;
  total: string;
  lines: ReadonlyArray<{ qty: number; unitPrice: string; discount?: string; tax?: string }>;
  taxTotal?: string;
  shippingTotal?: string;
  discountTotal?: string;
  roundingAdjustment?: string;
}

/** The total the rule expects, in minor units of the order's currency. */
export function expectedTotalMinorUnits(order: Omit<TotalInput, 'total'>): bigint {
  const e = minorUnitExponent(order.currency);
  const units = (a: string | undefined) => (a === undefined ? 0n : toMinorUnits(a, e));
  let sum = 0n;
  for (const l of order.lines) {
    sum += lineProductMinorUnits(l.qty, l.unitPrice, e) - units(l.discount) + units(l.tax);
  }
  return (
    sum +
    units(order.shippingTotal) +
    units(order.taxTotal) -
    units(order.discountTotal) +
    units(order.roundingAdjustment)
  );
}

/**
 * The optional amounts the rule counts as 0 when absent (order and line fields):
 * a target that keeps them in NOT NULL columns stores 0 for "none", and that 0
 * means the same as an absent field, so a comparison must not call it drift.
 * `tax` is also an invoice's (required) tax; a 0 there is dropped on both sides alike.
 */
export const ZERO_WHEN_ABSENT: ReadonlySet<string> = new Set([
  'taxTotal',
  'shippingTotal',
  'discountTotal',
  'roundingAdjustment',
  'discount',
  'tax',
]);

/** Whether `value` is a zero amount written any way (0, "0.00", "-0.0000"). */
export function isZeroAmount(value: unknown): boolean {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : '';
  return /^\s*-?0*(?:\.0*)?\s*$/.test(text) && /\d/.test(text);
}

/** The expected total as a decimal string at the currency's exponent. */
export function expectedTotal(order: Omit<TotalInput, 'total'>): string {
  return formatMinorUnits(expectedTotalMinorUnits(order), minorUnitExponent(order.currency));
}

/** Null when `order.total` follows the rule, else the total the rule expects. */
export function totalRuleBreach(order: TotalInput): string | null {
  const expected = expectedTotalMinorUnits(order);
  const e = minorUnitExponent(order.currency);
  return toMinorUnits(order.total, e) === expected ? null : formatMinorUnits(expected, e);
}
