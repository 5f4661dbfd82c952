import type { OrderState } from '../../src/reconcile/ports';

/** One order in contract shape, as a reconcile port returns it; `over` replaces fields. */
export function order(over: Partial<OrderState> = {}): OrderState {
  return {
    orderId: 'SO-1',
    channel: 'online',
    snapshotVersion: 2,
    highestVersion: 3,
    snapshot: {
      customer: { id: 'C1', name: 'Ada', email: 'ada@example.com' },
      lines: [
        { sku: 'A', qty: 1, unitPrice: '10.00' },
        { sku: 'B', qty: 2, unitPrice: '2.50' },
      ],
      currency: 'EUR',
      total: '15.00',
      status: 'confirmed',
      shippingAddress: { line1: 'Main St 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
    },
    invoices: [
      {
        invoiceId: 'I-2',
        number: 'N2',
        amount: '5.00',
        tax: '0.95',
        currency: 'EUR',
        issuedAt: '2026-12-01T10:00:00.000Z',
      },
      {
        invoiceId: 'I-1',
        number: 'N1',
        amount: '10.00',
        tax: '1.90',
        currency: 'EUR',
        issuedAt: '2026-12-01T09:00:00.000Z',
      },
    ],
    ...over,
  };
}
