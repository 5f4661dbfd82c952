/**
 * Raw (wire-shape) Kafka message fixtures for the contract tests. Values are
 * plain JSON objects, deliberately typed loosely so tests can break any field.
 */
import type { EventType } from '../../src/contracts/events';

export type JsonObject = Record<string, unknown>;

export const ORDER_ID = 'ORD-2026-000123';

/** A valid shipping address, shared by the fixtures and the bad-input corpus. */
export const SHIPPING_ADDRESS = {
  line1: '12 MG Road',
  line2: 'Flat 4B',
  city: 'Bengaluru',
  postalCode: '560001',
  country: 'IN',
} as const;

/** A realistic order snapshot: two lines whose sum matches the total. */
export function validSnapshot(): JsonObject {
  return {
    customer: { id: 'CUST-42', name: 'Asha Rao', email: 'asha.rao@example.com' },
    lines: [
      { sku: 'SKU-1001', qty: 2, unitPrice: '249.50' },
      { sku: 'SKU-2002', qty: 1, unitPrice: 99 },
    ],
    currency: 'INR',
    total: '598.00',
    status: 'confirmed',
    shippingAddress: { ...SHIPPING_ADDRESS },
  };
}

/** A realistic invoice payload. */
export function validInvoice(): JsonObject {
  return {
    invoiceId: 'INV-2026-000123',
    number: 'ON/2026/000123',
    amount: '598.00',
    tax: '91.22',
    currency: 'INR',
    issuedAt: '2026-11-02T09:30:00.000Z',
  };
}

const ERP_VERSION: Record<EventType, number> = {
  order_creation: 1,
  order_updation: 2,
  invoice_creation: 3,
};

/**
 * A valid event as a producer would write it. `type` in `overrides` picks the
 * matching payload (snapshot or invoice) unless `data` is overridden too.
 * Keys set to `undefined` in `overrides` are removed.
 */
export function validEvent(overrides: JsonObject = {}): JsonObject {
  const type = (overrides.type as EventType | undefined) ?? 'order_creation';
  const event: JsonObject = {
    eventId: `EVT-${type}-0001`,
    orderId: ORDER_ID,
    channel: 'online',
    type,
    erpVersion: ERP_VERSION[type] ?? 1,
    occurredAt: '2026-11-01T12:00:00.000Z',
    data: type === 'invoice_creation' ? validInvoice() : validSnapshot(),
    ...overrides,
  };
  for (const [k, v] of Object.entries(event)) if (v === undefined) delete event[k];
  return event;
}

/**
 * Sets (or, with `undefined`, deletes) a nested property on a deep copy of
 * `obj`. `path` uses dots; numeric segments index arrays: `data.lines.0.qty`.
 */
export function withPath(obj: JsonObject, path: string, value: unknown): JsonObject {
  const copy = structuredClone(obj);
  const parts = path.split('.');
  let node = copy as Record<string, unknown>;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null)
      throw new Error(`no object at ${part} in ${path}`);
    node = next as Record<string, unknown>;
  }
  const last = parts[parts.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

/** The message value as a producer would send it. */
export function encode(event: unknown): Buffer {
  return Buffer.from(JSON.stringify(event), 'utf8');
}
