import { describe, expect, it } from 'vitest';
import {
  divideHalfAwayFromZero,
  fitsExponent,
  formatMinorUnits,
  lineProductMinorUnits,
  minorUnitExponent,
  normalizeAmount,
  normalizeRate,
  toMinorUnits,
} from '../../src/contracts/currency';

describe('minorUnitExponent (ISO 4217)', () => {
  it.each(['JPY', 'KRW', 'CLP', 'VND', 'ISK'])('%s has 0 minor digits', (c) => {
    expect(minorUnitExponent(c)).toBe(0);
  });
  it.each(['INR', 'USD', 'EUR', 'GBP', 'SGD', 'AED'])('%s has 2 minor digits', (c) => {
    expect(minorUnitExponent(c)).toBe(2);
  });
  it.each(['KWD', 'BHD', 'OMR', 'JOD', 'TND', 'LYD', 'IQD'])('%s has 3 minor digits', (c) => {
    expect(minorUnitExponent(c)).toBe(3);
  });
  it.each(['CLF', 'UYW'])('%s has 4 minor digits', (c) => {
    expect(minorUnitExponent(c)).toBe(4);
  });
});

describe('amounts at exponent 0 (JPY)', () => {
  it('accepts whole yen, and two zero decimals as version 1 allowed', () => {
    expect(fitsExponent('1500', 0)).toBe(true);
    expect(fitsExponent('1500.00', 0)).toBe(true);
    expect(normalizeAmount('1500.00', 0)).toBe('1500');
    expect(toMinorUnits('1500', 0)).toBe(1500n);
  });
  it('refuses fractions of a yen and three decimals', () => {
    expect(fitsExponent('1500.5', 0)).toBe(false);
    expect(fitsExponent('1500.000', 0)).toBe(false);
    expect(() => toMinorUnits('1500.5', 0)).toThrow(RangeError);
  });
});

describe('amounts at exponent 2 (INR)', () => {
  it('accepts up to two decimals and writes exactly two', () => {
    expect(fitsExponent('12.5', 2)).toBe(true);
    expect(normalizeAmount('12.5', 2)).toBe('12.50');
    expect(normalizeAmount('007', 2)).toBe('7.00');
    expect(toMinorUnits('10000000000.03', 2)).toBe(1000000000003n);
  });
  it('refuses a third and a fourth decimal, even zeros', () => {
    expect(fitsExponent('12.505', 2)).toBe(false);
    expect(fitsExponent('12.5000', 2)).toBe(false);
  });
});

describe('amounts at exponent 3 (KWD)', () => {
  it('keeps all three decimals', () => {
    expect(fitsExponent('120.125', 3)).toBe(true);
    expect(normalizeAmount('120.125', 3)).toBe('120.125');
    expect(normalizeAmount('5', 3)).toBe('5.000');
    expect(toMinorUnits('120.125', 3)).toBe(120125n);
  });
  it('refuses a fourth decimal', () => {
    expect(fitsExponent('120.1251', 3)).toBe(false);
  });
});

describe('amounts at exponent 4 (CLF)', () => {
  it('keeps four decimals', () => {
    expect(fitsExponent('1.2345', 4)).toBe(true);
    expect(normalizeAmount('1.2345', 4)).toBe('1.2345');
    expect(fitsExponent('1.23456', 4)).toBe(false);
  });
});

describe('signed amounts and formatting', () => {
  it('formats negative minor units and round-trips them', () => {
    expect(formatMinorUnits(-5n, 2)).toBe('-0.05');
    expect(toMinorUnits('-0.05', 2)).toBe(-5n);
    expect(formatMinorUnits(-499n, 3)).toBe('-0.499');
    expect(formatMinorUnits(0n, 0)).toBe('0');
  });
});

describe('rounding half away from zero', () => {
  it('rounds halves away from zero on both sides', () => {
    expect(divideHalfAwayFromZero(25n, 10n)).toBe(3n);
    expect(divideHalfAwayFromZero(-25n, 10n)).toBe(-3n);
    expect(divideHalfAwayFromZero(24n, 10n)).toBe(2n);
    expect(divideHalfAwayFromZero(-24n, 10n)).toBe(-2n);
  });
  it('rounds a weighed line once, at the currency minor unit', () => {
    // 2.375 g × 6543.21 = 15540.12375 → 15540.12
    expect(lineProductMinorUnits(2.375, '6543.21', 2)).toBe(1554012n);
    // 2.5 × 101 yen = 252.5 → 253
    expect(lineProductMinorUnits(2.5, '101', 0)).toBe(253n);
    // 0.125 × 0.125 KWD = 0.015625 → 0.016
    expect(lineProductMinorUnits(0.125, '0.125', 3)).toBe(16n);
    // exact beyond 2^53: 999999999.999 × 999999999999.99
    expect(lineProductMinorUnits(999999999.999, '999999999999.99', 2)).toBe(
      99999999999899000000000n,
    );
  });
});

describe('unit prices (rates) at their significant decimals', () => {
  it.each<[string, string, string]>([
    ['12.5', 'INR', '12.50'],
    ['1.7890', 'EUR', '1.789'],
    ['0.0035', 'USD', '0.0035'],
    ['1500.00', 'JPY', '1500'],
    ['0.50', 'JPY', '0.5'],
    ['120.1', 'KWD', '120.100'],
  ])('%s %s is written %s', (price, currency, written) => {
    expect(normalizeRate(price, minorUnitExponent(currency))).toBe(written);
  });

  it('charges a price that fits the currency exactly as before', () => {
    // 2.375 g at 6543.21 INR: 15540.12375, charged 15540.12.
    expect(lineProductMinorUnits(2.375, '6543.21', 2)).toBe(1554012n);
    expect(lineProductMinorUnits(3, '1500', 0)).toBe(4500n);
  });
});
