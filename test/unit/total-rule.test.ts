import { describe, expect, it } from 'vitest';
import { expectedTotal, totalRuleBreach } from '../../src/contracts/total-rule';
import type { TotalInput } from '../../src/contracts/total-rule';

const gst: TotalInput = {
  currency: 'INR',
  // 2 × 499.00 − 50.00 + 84.82 tax; 1 × 99.00 + 17.82 tax
  lines: [
    { qty: 2, unitPrice: '499.00', discount: '50.00', tax: '84.82' },
    { qty: 1, unitPrice: '99.00', tax: '17.82' },
  ],
  shippingTotal: '40.00',
  total: '1189.64',
};

describe('the total rule', () => {
  it('is Σ qty × unitPrice for a version-1 order', () => {
    expect(
      totalRuleBreach({ currency: 'INR', lines: [{ qty: 3, unitPrice: '10.25' }], total: '30.75' }),
    ).toBeNull();
  });

  it('adds line tax, subtracts line discount, adds shipping', () => {
    expect(totalRuleBreach(gst)).toBeNull();
  });

  it('adds order tax, subtracts order discount, adds a signed rounding adjustment', () => {
    const order: TotalInput = {
      currency: 'INR',
      lines: [{ qty: 1, unitPrice: '100.00' }],
      taxTotal: '18.00',
      discountTotal: '10.00',
      roundingAdjustment: '-0.40',
      total: '107.60',
    };
    expect(totalRuleBreach(order)).toBeNull();
    expect(expectedTotal(order)).toBe('107.60');
  });

  it('names the expected figure when the total is one minor unit off', () => {
    expect(totalRuleBreach({ ...gst, total: '1189.65' })).toBe('1189.64');
  });

  it('rounds each weighed line to minor units before summing', () => {
    // 2.375 × 6543.21 = 15540.12375 → 15540.12; 0.005 × 1.00 = 0.005 → 0.01
    const order: TotalInput = {
      currency: 'INR',
      lines: [
        { qty: 2.375, unitPrice: '6543.21' },
        { qty: 0.005, unitPrice: '1.00' },
      ],
      total: '15540.13',
    };
    expect(totalRuleBreach(order)).toBeNull();
  });

  it('works at three decimals (KWD) and at none (JPY)', () => {
    expect(
      totalRuleBreach({
        currency: 'KWD',
        lines: [{ qty: 1, unitPrice: '120.125' }],
        total: '120.125',
      }),
    ).toBeNull();
    expect(
      totalRuleBreach({ currency: 'JPY', lines: [{ qty: 2.5, unitPrice: '101' }], total: '252' }),
    ).toBe('253');
  });
});

describe('unit prices as rates (up to 4 decimals, whatever the currency)', () => {
  it('rounds what is charged once, to the currency: 40.123 l at 1.789 EUR is 71.78', () => {
    const fuel = { currency: 'EUR', lines: [{ qty: 40.123, unitPrice: '1.789' }] };
    expect(expectedTotal(fuel)).toBe('71.78');
    expect(totalRuleBreach({ ...fuel, total: '71.78' })).toBeNull();
    // A total from a price rounded first (1.79 × 40.123 = 71.82) breaks the rule.
    expect(totalRuleBreach({ ...fuel, total: '71.82' })).toBe('71.78');
  });

  it('half away from zero: 3 screws at 0.0035 USD are 0.0105, charged 0.01; 5 are 0.02', () => {
    expect(expectedTotal({ currency: 'USD', lines: [{ qty: 3, unitPrice: '0.0035' }] })).toBe(
      '0.01',
    );
    expect(expectedTotal({ currency: 'USD', lines: [{ qty: 5, unitPrice: '0.0035' }] })).toBe(
      '0.02',
    );
  });

  it('a fraction of a yen a unit, charged in whole yen', () => {
    expect(expectedTotal({ currency: 'JPY', lines: [{ qty: 1000, unitPrice: '0.125' }] })).toBe(
      '125',
    );
  });
});
