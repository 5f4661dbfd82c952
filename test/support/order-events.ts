import { randomUUID } from 'node:crypto';
import type { OrderEvent } from '../../src/contracts/events';
import { toSqlDateTime } from '../../src/db/time';

/** A valid, parsed-shape event sequence for one order: creation, `updates` updates, invoice. */
export function orderHistory(
  orderId: string,
  updates = 1,
  channel: OrderEvent['channel'] = 'online',
): OrderEvent[] {
  const at = (v: number) => new Date(Date.UTC(2026, 10, 1, 12, 0, v)).toISOString();
  const snapshot = (v: number) => {
    const qty = v;
    return {
      customer: { id: 'C-1', name: 'Asha Rao', email: 'asha@example.com' },
      lines: [{ sku: 'SKU-1', qty, unitPrice: '10.50' }],
      currency: 'INR',
      total: (qty * 10.5).toFixed(2),
      status: v === 1 ? ('pending' as const) : ('confirmed' as const),
      shippingAddress: {
        line1: '1 Main Road',
        city: 'Chennai',
        postalCode: '600001',
        country: 'IN',
      },
    };
  };
  const events: OrderEvent[] = [];
  for (let v = 1; v <= updates + 1; v++) {
    events.push({
      eventId: randomUUID(),
      orderId,
      channel,
      type: v === 1 ? 'order_creation' : 'order_updation',
      erpVersion: v,
      occurredAt: at(v),
      data: snapshot(v),
    });
  }
  const last = updates + 1;
  events.push({
    eventId: randomUUID(),
    orderId,
    channel,
    type: 'invoice_creation',
    erpVersion: last + 1,
    occurredAt: at(last + 1),
    data: {
      invoiceId: `INV-${orderId}`,
      number: 'ON/2026/1',
      amount: (last * 10.5).toFixed(2),
      tax: '1.00',
      currency: 'INR',
      issuedAt: at(last + 1),
    },
  });
  return events;
}

export const uniqueOrderId = (prefix = 'T') => `${prefix}-${randomUUID().slice(0, 12)}`;

/** `e` as a row of CHANGE_LOG_INSERT (poll-fixture.ts); `payload` stands in for its data. */
export function changeLogRow(e: OrderEvent, payload: unknown = e.data): unknown[] {
  const at = toSqlDateTime(e.occurredAt);
  return [e.eventId, e.orderId, e.channel, e.type, e.erpVersion, at, JSON.stringify(payload)];
}
