/**
 * One sample order, with every optional contract field filled in, as the
 * events `ordersync target check` runs through a mapping: a creation, an
 * update, an invoice and a credit note. The update's quantity is weighed
 * (2.375): an INT column rounds it without an error even in strict mode, and
 * the check's read back is where a mapping that loses it is found. Parsed by the contract's own schema, so
 * the sample is exactly what the consumer would hand the apply.
 */
import { randomUUID } from 'node:crypto';
import { orderEventSchema } from '../contracts/events';
import type { OrderEvent } from '../contracts/events';

export function sampleOrderEvents(): OrderEvent[] {
  const orderId = `ordersync-check-${randomUUID().slice(0, 8)}`;
  const address = {
    line1: '1 Sample Street',
    line2: 'Unit 2',
    city: 'Sampleton',
    postalCode: '10001',
    country: 'GB',
  };
  const snapshot = (status: string, qty: number) => ({
    customer: {
      id: 'CHECK-1',
      name: 'Sample Customer',
      email: 'check@example.com',
      phone: '+441234567890',
    },
    lines: [
      {
        sku: 'CHECK-SKU',
        qty,
        unitPrice: '10.00',
        name: 'Sample item',
        discount: '0.00',
        tax: '0.00',
      },
    ],
    currency: 'GBP',
    total: (qty * 10).toFixed(2),
    status,
    shippingAddress: address,
    billingAddress: address,
    taxTotal: '0.00',
    shippingTotal: '0.00',
    discountTotal: '0.00',
    erpStatus: 'Sample',
    attributes: { storeCode: 'CHECK' },
  });
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, s)).toISOString();
  const base = (v: number) => ({
    eventId: `${orderId}-v${v}`,
    orderId,
    channel: 'online',
    erpVersion: v,
    occurredAt: at(v),
  });
  const invoice = (v: number, kind: string, extra: object = {}) => ({
    ...base(v),
    type: 'invoice_creation',
    data: {
      invoiceId: `${orderId}-${kind}`,
      number: `${orderId}-${kind}`.slice(-32),
      amount: '20.00',
      tax: '0.00',
      currency: 'GBP',
      issuedAt: at(v),
      kind,
      ...extra,
    },
  });
  return [
    { ...base(1), type: 'order_creation', data: snapshot('pending', 1) },
    { ...base(2), type: 'order_updation', data: snapshot('confirmed', 2.375) },
    invoice(3, 'invoice'),
    invoice(4, 'credit_note', { againstInvoiceId: `${orderId}-invoice` }),
  ].map((e) => orderEventSchema.parse(e));
}
