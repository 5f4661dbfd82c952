/**
 * Contract version 2 orders as real retailers send them, one per case of
 * issue 23's "Done when": each is the messages to produce, in order, for a
 * fresh order id. Values are the Kafka JSON exactly; the stored order must
 * read back the same, amounts digit for digit at the currency's exponent.
 */
import { randomUUID } from 'node:crypto';
import type { Channel, OrderEventInput } from '../../src/contracts/events';

export interface V2Case {
  name: string;
  orderId: string;
  channel: Channel;
  /** The messages, in the order they are produced. */
  events: OrderEventInput[];
}

const address = (city: string, country: string) => ({
  line1: '12 Residency Road',
  city,
  postalCode: '560025',
  country,
});

type Snapshot = Extract<OrderEventInput, { type: 'order_creation' }>['data'];

function creation(orderId: string, channel: Channel, data: Partial<Snapshot>): OrderEventInput {
  return {
    eventId: randomUUID(),
    orderId,
    channel,
    type: 'order_creation',
    erpVersion: 1,
    occurredAt: '2026-12-01T10:00:00.000Z',
    data: {
      customer: { id: 'CUST-7', name: 'Asha Rao', email: 'asha@example.com' },
      lines: [],
      currency: 'INR',
      total: '0',
      status: 'confirmed',
      shippingAddress: address('Bengaluru', 'IN'),
      ...data,
    },
  };
}

/** The cases; `prefix` starts every order id so a run never meets another's rows. */
export function v2Cases(prefix: string): V2Case[] {
  const id = (name: string) => `${prefix}-${name}`;
  const cases: Array<Omit<V2Case, 'orderId'> & { orderId?: string }> = [];
  const add = (name: string, channel: Channel, events: (orderId: string) => OrderEventInput[]) => {
    const orderId = id(name);
    cases.push({ name, channel, orderId, events: events(orderId) });
  };

  // 2 × 499.00 + 1 × 99.00 = 1097.00; GST 197.46; shipping 40.00; rounded up by 0.54.
  add('inr-tax-shipping', 'online', (o) => [
    creation(o, 'online', {
      lines: [
        { sku: 'SHIRT-M', name: 'Cotton shirt, M', qty: 2, unitPrice: '499.00' },
        { sku: 'SOCKS-3', qty: 1, unitPrice: '99.00' },
      ],
      taxTotal: '197.46',
      shippingTotal: '40.00',
      roundingAdjustment: '0.54',
      total: '1335.00',
    }),
  ]);

  // 2.5 g × 6543.21 = 16358.025 → 16358.03, less 358.03 discount, plus 480.00 GST on the line.
  add('qty-2-5', 'store', (o) => [
    creation(o, 'store', {
      lines: [
        {
          sku: 'GOLD-24K-G',
          name: '24K gold, by the gram',
          qty: 2.5,
          unitPrice: '6543.21',
          discount: '358.03',
          tax: '480.00',
        },
      ],
      total: '16480.00',
    }),
  ]);

  add('kwd-three-decimals', 'international', (o) => [
    creation(o, 'international', {
      currency: 'KWD',
      lines: [{ sku: 'PERFUME-50', qty: 1, unitPrice: '120.125' }],
      total: '120.125',
      shippingAddress: address('Kuwait City', 'KW'),
    }),
  ]);

  add('jpy-no-decimals', 'international', (o) => [
    creation(o, 'international', {
      currency: 'JPY',
      lines: [{ sku: 'TEA-MATCHA', qty: 3, unitPrice: 1500 }],
      taxTotal: 360,
      total: '4860',
      shippingAddress: address('Osaka', 'JP'),
    }),
  ]);

  // A unit price is a rate: 40.123 l at 1.789 EUR is 71.780047, charged 71.78.
  add('eur-rate-three-decimals', 'international', (o) => [
    creation(o, 'international', {
      currency: 'EUR',
      lines: [{ sku: 'DIESEL-L', qty: 40.123, unitPrice: '1.789' }],
      total: '71.78',
      shippingAddress: address('Lyon', 'FR'),
    }),
  ]);

  add('attributes-erp-status', 'store', (o) => [
    creation(o, 'store', {
      customer: {
        id: 'CUST-9',
        name: 'Meera Nair',
        email: 'meera@example.com',
        phone: '+91 98450 00000',
      },
      lines: [{ sku: 'CHAIN-22K', qty: 1.25, unitPrice: '6000.00' }],
      total: '7500.00',
      status: 'on_hold',
      erpStatus: 'To Deliver and Bill',
      billingAddress: address('Mysuru', 'IN'),
      attributes: {
        storeCode: 'BLR-01',
        salesperson: 'S-104',
        'making.charge': 1250.5,
        giftWrap: true,
        loyaltyId: null,
      },
    }),
  ]);

  add('credit-note', 'online', (o) => {
    const created = creation(o, 'online', {
      lines: [{ sku: 'LAMP-01', qty: 2, unitPrice: '750.00' }],
      total: '1500.00',
      status: 'delivered',
    });
    const invoice = (v: number, data: Record<string, unknown>): OrderEventInput =>
      ({
        eventId: randomUUID(),
        orderId: o,
        channel: 'online',
        type: 'invoice_creation',
        erpVersion: v,
        occurredAt: `2026-12-0${v}T10:00:00.000Z`,
        data: { currency: 'INR', issuedAt: `2026-12-0${v}T10:00:00.000Z`, ...data },
      }) as OrderEventInput;
    return [
      created,
      invoice(2, {
        invoiceId: `INV-${o}`,
        number: 'SINV-2026-00042',
        amount: '1500.00',
        tax: '228.81',
      }),
      invoice(3, {
        invoiceId: `CN-${o}`,
        kind: 'credit_note',
        againstInvoiceId: `INV-${o}`,
        number: 'SINV-RET-2026-00007',
        amount: '750.00',
        tax: '114.41',
        lines: [{ sku: 'LAMP-01', name: 'Desk lamp (returned)', qty: 1, unitPrice: '750.00' }],
      }),
    ];
  });
  return cases as V2Case[];
}
