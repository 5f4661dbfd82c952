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
import { expectedTotal } from '../contracts/total-rule';

export function sampleOrderEvents(): OrderEvent[] {
  const orderId = `ordersync-check-${randomUUID().slice(0, 8)}`;
  const address = {
    line1: '1 Sample Street',
    line2: 'Unit 2',
    city: 'Sampleton',
    postalCode: '10001',
    country: 'GB',
  };
  // Every amount distinct and non-zero, and a billing address unlike the shipping one, so a
  // read_order.sql that swaps two fields or reads one for the other fails the check.
  const billing = { ...address, line1: '2 Billing Road', city: 'Billington', postalCode: '10002' };
  const amounts = { taxTotal: '1.10', shippingTotal: '4.95', discountTotal: '2.00' };
  const snapshot = (status: string, qty: number) => {
    const lines = [
      {
        sku: 'CHECK-SKU',
        qty,
        unitPrice: '10.00',
        name: 'Sample item',
        discount: '0.50',
        tax: '0.70',
      },
    ];
    const roundingAdjustment = '-0.02';
    return {
      customer: {
        id: 'CHECK-1',
        name: 'Sample Customer',
        email: 'check@example.com',
        phone: '+441234567890',
      },
      lines,
      currency: 'GBP',
      total: expectedTotal({ currency: 'GBP', lines, roundingAdjustment, ...amounts }),
      status,
      shippingAddress: address,
      billingAddress: billing,
      ...amounts,
      roundingAdjustment,
      erpStatus: 'Sample',
      attributes: { storeCode: 'CHECK' },
    };
  };
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
      tax: '1.00',
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
    invoice(4, 'credit_note', {
      againstInvoiceId: `${orderId}-invoice`,
      amount: '5.00',
      tax: '0.25',
    }),
  ].map((e) => orderEventSchema.parse(e));
}
