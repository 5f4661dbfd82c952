/**
 * What the simulated ERP sells: orders shaped like a real retailer's, in
 * message contract version 2. GST on most Indian orders, shipping on online
 * orders, gold by the gram (GOLD-24K-G, 2.375 g), KWD and JPY beside USD on
 * the international channel, store codes as attributes on store orders, and
 * credit notes after some invoices. Totals come from the contract's own total
 * rule, so every order is consistent unless it is meant to be poison.
 */
import type { Channel, Invoice, OrderSnapshot } from '../contracts/events';
import {
  divideHalfAwayFromZero,
  formatMinorUnits,
  lineProductMinorUnits,
  minorUnitExponent,
  toMinorUnits,
} from '../contracts/currency';
import { expectedTotalMinorUnits } from '../contracts/total-rule';

type Line = OrderSnapshot['lines'][number];

/** International orders rotate through these, so every run meets 0, 2 and 3 minor digits. */
const INTERNATIONAL_CURRENCIES = ['USD', 'KWD', 'JPY'] as const;

/** The currency of the `index`-th order of a run on `channel`. */
export function currencyFor(channel: Channel, index: number): string {
  if (channel !== 'international') return 'INR';
  return INTERNATIONAL_CURRENCIES[Math.floor(index / 3) % INTERNATIONAL_CURRENCIES.length]!;
}

/** Status texts as ERPNext writes them, by contract status. */
const ERP_STATUS: Partial<Record<OrderSnapshot['status'], string>> = {
  pending: 'Draft',
  confirmed: 'To Deliver and Bill',
  packed: 'To Deliver and Bill',
  on_hold: 'On Hold',
  partially_shipped: 'To Deliver and Bill',
  shipped: 'To Bill',
};

export const UPDATE_STATUSES: readonly OrderSnapshot['status'][] = [
  'confirmed',
  'packed',
  'shipped',
  'on_hold',
  'partially_shipped',
];

function pick<T>(xs: readonly T[]): T {
  return xs[Math.floor(Math.random() * xs.length)]!;
}

/** A price in `currency`: about 1-500 US dollars' worth, at the currency's minor units. */
function price(currency: string, major: number): string {
  const e = minorUnitExponent(currency);
  const scale = currency === 'JPY' ? 150 : currency === 'KWD' ? 0.3 : 1;
  const units = Math.max(1, Math.floor(major * scale * 10 ** e));
  return formatMinorUnits(BigInt(units), e);
}

/** `rate` percent of `units`, rounded half away from zero. */
const percentOf = (units: bigint, rate: bigint): bigint =>
  divideHalfAwayFromZero(units * rate, 100n);

export function randomLines(currency: string): Line[] {
  const e = minorUnitExponent(currency);
  const n = 1 + Math.floor(Math.random() * 4);
  const gst = currency === 'INR' && Math.random() < 0.8;
  return Array.from({ length: n }, (_, i): Line => {
    const line: Line =
      i === 0 && Math.random() < 0.2
        ? {
            sku: 'GOLD-24K-G',
            name: '24K gold, by the gram',
            qty: 2.375,
            unitPrice: price(currency, 80 + Math.random() * 10),
          }
        : {
            sku: `SKU-${1000 + Math.floor(Math.random() * 9000)}-${i}`,
            qty: 1 + Math.floor(Math.random() * 3),
            unitPrice: price(currency, 1 + Math.random() * 499),
          };
    const product = lineProductMinorUnits(line.qty, line.unitPrice, e);
    let net = product;
    if (Math.random() < 0.2) {
      const discount = percentOf(product, 10n);
      line.discount = formatMinorUnits(discount, e);
      net -= discount;
    }
    if (gst) line.tax = formatMinorUnits(percentOf(net, 18n), e);
    return line;
  });
}

/** Order-level amounts and the total that the rule gives for them (plus one minor unit for poison). */
export function withTotals(
  base: Omit<OrderSnapshot, 'total'>,
  channel: Channel,
  poison: boolean,
): OrderSnapshot {
  const e = minorUnitExponent(base.currency);
  const s: Omit<OrderSnapshot, 'total'> = { ...base };
  const subtotal = base.lines.reduce(
    (a, l) => a + lineProductMinorUnits(l.qty, l.unitPrice, e),
    0n,
  );
  if (channel === 'online') s.shippingTotal = formatMinorUnits(40n * 10n ** BigInt(e), e);
  if (base.currency !== 'INR' && Math.random() < 0.7)
    s.taxTotal = formatMinorUnits(percentOf(subtotal, 5n), e);
  if (Math.random() < 0.1) s.discountTotal = formatMinorUnits(percentOf(subtotal, 5n), e);
  let total = expectedTotalMinorUnits(s);
  if (base.currency === 'INR' && e > 0) {
    // ERPNext's rounded_total: the grand total to the whole rupee, the difference as an adjustment.
    const one = 10n ** BigInt(e);
    const rounded = divideHalfAwayFromZero(total, one) * one;
    if (rounded !== total) {
      s.roundingAdjustment = formatMinorUnits(rounded - total, e);
      total = rounded;
    }
  }
  return { ...s, total: formatMinorUnits(poison ? total + 1n : total, e) };
}

/** The parts of an order that stay the same across its versions. */
export function orderParties(channel: Channel) {
  const customer: OrderSnapshot['customer'] = {
    id: `CUST-${Math.floor(Math.random() * 100000)}`,
    name: pick(['Asha Rao', 'Rahul Iyer', 'Meera Nair', "Dan O'Brien", 'Zoë Müller', 'Li Wei']),
    email: `c${Math.floor(Math.random() * 1e6)}@example.com`,
  };
  if (Math.random() < 0.5)
    customer.phone = `+91 98${Math.floor(10_000_000 + Math.random() * 89_999_999)}`;
  const shippingAddress: OrderSnapshot['shippingAddress'] = {
    line1: `${1 + Math.floor(Math.random() * 200)} Residency Road`,
    city: pick(['Chennai', 'Bengaluru', 'Mumbai', 'Singapore', 'Dubai']),
    postalCode: String(100000 + Math.floor(Math.random() * 800000)),
    country: channel === 'international' ? pick(['SG', 'AE', 'US', 'KW', 'JP']) : 'IN',
  };
  const extras: Partial<OrderSnapshot> = {};
  if (channel === 'online' && Math.random() < 0.3)
    extras.billingAddress = { ...shippingAddress, line1: `${shippingAddress.line1}, Flat 4B` };
  if (channel === 'store')
    extras.attributes = {
      storeCode: pick(['BLR-01', 'MAA-02', 'BOM-03']),
      salesperson: `S-${100 + Math.floor(Math.random() * 50)}`,
      posTerminal: 1 + Math.floor(Math.random() * 6),
      loyaltyMember: Math.random() < 0.5,
    };
  return { customer, shippingAddress, extras };
}

/** The ERP's status text beside the contract's status, on the channels whose ERP reports one. */
export function erpStatusFor(
  channel: Channel,
  status: OrderSnapshot['status'],
): string | undefined {
  return channel === 'international' ? undefined : ERP_STATUS[status];
}

/** All tax an order carries: line taxes and the order-level tax. */
function taxOf(s: OrderSnapshot, e: number): bigint {
  const units = (a?: string) => (a === undefined ? 0n : toMinorUnits(a, e));
  return s.lines.reduce((a, l) => a + units(l.tax), units(s.taxTotal));
}

export function invoiceFor(orderId: string, channel: Channel, s: OrderSnapshot): Invoice {
  const e = minorUnitExponent(s.currency);
  const tax = taxOf(s, e);
  const amount = toMinorUnits(s.total, e);
  return {
    invoiceId: `INV-${orderId}`,
    number: `${channel.slice(0, 2).toUpperCase()}/${new Date().getUTCFullYear()}/${Math.floor(Math.random() * 1e6)}`,
    amount: s.total,
    tax: formatMinorUnits(tax > amount ? 0n : tax, e),
    currency: s.currency,
    issuedAt: new Date().toISOString(),
  };
}

/** A credit note for one unit (or the weighed amount) of the order's first line. */
export function creditNoteFor(orderId: string, s: OrderSnapshot, invoice: Invoice): Invoice {
  const e = minorUnitExponent(s.currency);
  const first = s.lines[0]!;
  const line: Line = { sku: first.sku, qty: Math.min(first.qty, 1), unitPrice: first.unitPrice };
  if (first.name !== undefined) line.name = first.name;
  const amount = lineProductMinorUnits(line.qty, line.unitPrice, e);
  return {
    invoiceId: `CN-${orderId}`,
    number: `${invoice.number}-CN`,
    amount: formatMinorUnits(amount, e),
    tax: formatMinorUnits(percentOf(amount, 18n), e),
    currency: s.currency,
    issuedAt: new Date().toISOString(),
    kind: 'credit_note',
    againstInvoiceId: invoice.invoiceId,
    lines: [line],
  };
}
