/**
 * Money in a currency's minor units, exactly. Pure and shared by the contract,
 * the apply's total rule, the oracle and the simulated ERP, so every one of
 * them reads "120.125 KWD" the same way. Amounts are decimal strings turned
 * into BigInt counts of minor units; no floating point touches an amount.
 */

/**
 * ISO 4217 minor-unit exponents other than 2 (the table's "E" column, for
 * active codes); every other code has 2. Fund codes such as CLF and UYW are
 * included because an ERP may still invoice in them.
 */
const EXPONENTS: Readonly<Record<string, number>> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  CLF: 4,
  UYW: 4,
};

/** The most decimals any currency has; the target stores amounts as DECIMAL(20,4). */
export const MAX_EXPONENT = 4;

/**
 * Decimals every currency accepted before contract version 2. A yen amount
 * written as "1500.00" (as a DECIMAL(x,2) column prints it) is still valid;
 * decimals past the currency's exponent must then be zeros.
 */
export const LEGACY_DECIMALS = 2;

/** How many minor-unit digits `currency` has (ISO 4217). */
export function minorUnitExponent(currency: string): number {
  return EXPONENTS[currency] ?? 2;
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/** The number of decimals written in `decimal` ("12.50" → 2), or null when it is not a plain decimal. */
export function writtenDecimals(decimal: string): number | null {
  const m = DECIMAL.exec(decimal);
  if (!m) return null;
  return m[3]?.length ?? 0;
}

/**
 * Whether `decimal` is an amount of a currency with `exponent` minor digits:
 * at most max(exponent, 2) decimals written, and any past the exponent zero.
 */
export function fitsExponent(decimal: string, exponent: number): boolean {
  const m = DECIMAL.exec(decimal);
  if (!m) return false;
  const frac = m[3] ?? '';
  if (frac.length > Math.max(exponent, LEGACY_DECIMALS)) return false;
  return /^0*$/.test(frac.slice(exponent));
}

/**
 * `decimal` as a count of 10^-scale units, exactly; throws when it has more
 * significant decimals than `scale` (callers validate first).
 */
export function toScaled(decimal: string, scale: number): bigint {
  const m = DECIMAL.exec(decimal);
  if (!m) throw new RangeError(`not a decimal: ${JSON.stringify(decimal)}`);
  const frac = m[3] ?? '';
  if (!/^0*$/.test(frac.slice(scale)))
    throw new RangeError(`${decimal} has more than ${scale} decimals`);
  const units =
    BigInt(m[2]!) * 10n ** BigInt(scale) + BigInt(frac.slice(0, scale).padEnd(scale, '0') || '0');
  return m[1] === '-' ? -units : units;
}

/** `decimal` in minor units of a currency with `exponent` digits. */
export const toMinorUnits = (decimal: string, exponent: number): bigint =>
  toScaled(decimal, exponent);

/** Minor units back to a decimal string with exactly `exponent` decimals ("-0.500", "1500"). */
export function formatMinorUnits(units: bigint, exponent: number): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const base = 10n ** BigInt(exponent);
  const whole = (abs / base).toString();
  const frac = exponent > 0 ? `.${(abs % base).toString().padStart(exponent, '0')}` : '';
  return `${negative ? '-' : ''}${whole}${frac}`;
}

/** `decimal` written at the currency's exponent: "12.5" INR → "12.50", "1500.00" JPY → "1500". */
export function normalizeAmount(decimal: string, exponent: number): string {
  return formatMinorUnits(toMinorUnits(decimal, exponent), exponent);
}

/** `numerator / divisor` rounded half away from zero (divisor > 0). */
export function divideHalfAwayFromZero(numerator: bigint, divisor: bigint): bigint {
  const negative = numerator < 0n;
  const abs = negative ? -numerator : numerator;
  const q = (abs * 2n + divisor) / (divisor * 2n);
  return negative ? -q : q;
}

/** Quantities carry at most this many decimals. */
export const QTY_DECIMALS = 3;

/**
 * A unit price is a rate, not an amount charged: it may carry up to this many
 * decimals whatever the currency (fuel at 1.789 EUR a litre, a screw at
 * 0.0035 USD, Odoo's "Product Price" accuracy set to 4). What is charged,
 * qty × unitPrice, is rounded to the currency's minor units.
 */
export const RATE_DECIMALS = 4;

/**
 * A unit price written at the currency's exponent, or with its significant
 * decimals when it has more: "12.5" INR → "12.50", "1.7890" EUR → "1.789",
 * "1500.00" JPY → "1500", "0.50" JPY → "0.5". Validated input only.
 */
export function normalizeRate(decimal: string, exponent: number): string {
  const frac = (DECIMAL.exec(decimal)?.[3] ?? '').replace(/0+$/, '');
  const scale = Math.max(exponent, frac.length);
  return formatMinorUnits(toScaled(decimal, scale), scale);
}

/**
 * qty × unitPrice in minor units, rounded half away from zero: the product of
 * the quantity in thousandths and the price in ten-thousandths is exact, and
 * is rounded once to the currency's exponent.
 */
export function lineProductMinorUnits(qty: number, unitPrice: string, exponent: number): bigint {
  const qtyThousandths = toScaled(String(qty), QTY_DECIMALS);
  return divideHalfAwayFromZero(
    qtyThousandths * toScaled(unitPrice, RATE_DECIMALS),
    10n ** BigInt(QTY_DECIMALS + RATE_DECIMALS - exponent),
  );
}
