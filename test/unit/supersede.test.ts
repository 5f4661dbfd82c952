import { describe, it, expect } from 'vitest';
import {
  ORDER_SYNC_STATES,
  eventBytes,
  stateFromTarget,
  supersededSnapshots,
} from '../../src/contracts/workflow-types';
import type { TargetOrderState } from '../../src/contracts/workflow-types';
import type { EventType, OrderEvent } from '../../src/contracts/events';

const ORDER_ID = 'ORD-1';

function snapshotData(): Extract<OrderEvent, { type: 'order_creation' }>['data'] {
  return {
    customer: { id: 'C-1', name: 'Asha Rao', email: 'asha@example.com' },
    lines: [{ sku: 'SKU-1', qty: 1, unitPrice: '10.00' }],
    currency: 'INR',
    total: '10.00',
    status: 'confirmed',
    shippingAddress: { line1: '1 Main Road', city: 'Chennai', postalCode: '600001', country: 'IN' },
  };
}

/** A parsed event of `type` at `erpVersion`; its eventId is `<letter><version>` (c, u or i). */
function ev(type: EventType, erpVersion: number): OrderEvent {
  const occurredAt = new Date(Date.UTC(2026, 10, 1, 0, 0, erpVersion)).toISOString();
  const base = { orderId: ORDER_ID, channel: 'online' as const, erpVersion, occurredAt };
  if (type === 'invoice_creation') {
    return {
      ...base,
      eventId: `i${erpVersion}`,
      type,
      data: {
        invoiceId: 'INV-1',
        number: 'N-1',
        amount: '10.00',
        tax: '1.00',
        currency: 'INR',
        issuedAt: occurredAt,
      },
    };
  }
  return {
    ...base,
    eventId: `${type === 'order_creation' ? 'c' : 'u'}${erpVersion}`,
    type,
    data: snapshotData(),
  };
}

const c = (v: number) => ev('order_creation', v);
const u = (v: number) => ev('order_updation', v);
const i = (v: number) => ev('invoice_creation', v);

describe('supersededSnapshots', () => {
  it('returns nothing for no events or a single event', () => {
    expect(supersededSnapshots([])).toEqual([]);
    expect(supersededSnapshots([c(1)])).toEqual([]);
    expect(supersededSnapshots([i(1)])).toEqual([]);
  });

  it('supersedes every snapshot followed by another snapshot, never the last', () => {
    expect(supersededSnapshots([c(1), u(2)])).toEqual(['c1']);
    expect(supersededSnapshots([c(1), u(2), u(3), u(4)])).toEqual(['c1', 'u2', 'u3']);
  });

  it('keeps a snapshot that is followed by an invoice', () => {
    expect(supersededSnapshots([c(1), u(2), i(3)])).toEqual(['c1']);
    expect(supersededSnapshots([c(1), i(2)])).toEqual([]);
  });

  it('never supersedes an invoice, even when a snapshot follows it', () => {
    expect(supersededSnapshots([c(1), i(2), u(3)])).toEqual([]);
    expect(supersededSnapshots([c(1), i(2), u(3), u(4)])).toEqual(['u3']);
    expect(supersededSnapshots([c(1), i(2), i(3)])).toEqual([]);
  });

  it('handles snapshots on both sides of an invoice', () => {
    expect(supersededSnapshots([c(1), u(2), u(3), i(4), u(5), u(6)])).toEqual(['c1', 'u2', 'u5']);
  });

  it('orders by erpVersion, not by input order', () => {
    expect(supersededSnapshots([u(3), c(1), i(4), u(2)])).toEqual(['c1', 'u2']);
    // Here the invoice sits between the snapshots by version, so nothing is superseded.
    expect(supersededSnapshots([u(3), i(2), c(1)])).toEqual([]);
  });

  it('follows versions with holes in them', () => {
    expect(supersededSnapshots([c(1), u(5), u(9)])).toEqual(['c1', 'u5']);
  });

  it('does not reorder or modify its input', () => {
    const input = [u(3), c(1), u(2)];
    const before = structuredClone(input);
    expect(supersededSnapshots(input)).toEqual(['c1', 'u2']);
    expect(input).toEqual(before);
    expect(input.map((e) => e.eventId)).toEqual(['u3', 'c1', 'u2']);
  });

  it('never returns the newest event or an invoice on a larger history', () => {
    const history = [
      c(1),
      ...Array.from({ length: 20 }, (_, k) => (k % 5 === 4 ? i(k + 2) : u(k + 2))),
    ];
    const out = supersededSnapshots(history);
    expect(out).not.toContain(history[history.length - 1]!.eventId);
    expect(out.some((id) => id.startsWith('i'))).toBe(false);
    // Exactly the snapshots whose successor (by version) is also a snapshot.
    const expected = history
      .slice(0, -1)
      .filter(
        (e, k) => e.type !== 'invoice_creation' && history[k + 1]!.type !== 'invoice_creation',
      )
      .map((e) => e.eventId);
    expect(out).toEqual(expected);
    expect(out.length).toBeGreaterThan(0);
  });
});

describe('stateFromTarget', () => {
  const target = (over: Partial<TargetOrderState>): TargetOrderState => ({
    exists: true,
    erpVersion: 3,
    lastEventType: 'order_updation',
    invoiced: false,
    ...over,
  });

  it('is new when there is no target row', () => {
    expect(stateFromTarget(null)).toBe('new');
    expect(stateFromTarget(target({ exists: false, lastEventType: null, erpVersion: 0 }))).toBe(
      'new',
    );
  });

  it('is new when the row does not exist, whatever the other fields say', () => {
    expect(stateFromTarget(target({ exists: false, invoiced: true }))).toBe('new');
    expect(stateFromTarget(target({ exists: false, lastEventType: 'order_creation' }))).toBe('new');
  });

  it('is created after an order_creation', () => {
    expect(stateFromTarget(target({ lastEventType: 'order_creation', erpVersion: 1 }))).toBe(
      'created',
    );
  });

  it('is updated after an order_updation', () => {
    expect(stateFromTarget(target({ lastEventType: 'order_updation' }))).toBe('updated');
  });

  it('is invoiced once invoiced, whatever the last event type', () => {
    expect(stateFromTarget(target({ invoiced: true, lastEventType: 'invoice_creation' }))).toBe(
      'invoiced',
    );
    expect(stateFromTarget(target({ invoiced: true, lastEventType: 'order_updation' }))).toBe(
      'invoiced',
    );
    expect(stateFromTarget(target({ invoiced: true, lastEventType: 'order_creation' }))).toBe(
      'invoiced',
    );
  });

  it('never derives blocked: only the workflow blocks an order', () => {
    const all: TargetOrderState[] = [];
    for (const exists of [true, false])
      for (const invoiced of [true, false])
        for (const lastEventType of [
          null,
          'order_creation',
          'order_updation',
          'invoice_creation',
        ] as const)
          all.push({ exists, invoiced, lastEventType, erpVersion: 1 });
    for (const t of all) {
      const s = stateFromTarget(t);
      expect(ORDER_SYNC_STATES).toContain(s);
      expect(s).not.toBe('blocked');
    }
  });
});

describe('eventBytes', () => {
  it('counts the UTF-8 bytes of the event as JSON, as a Temporal payload stores it', () => {
    for (const name of ['Asha Rao', 'José Müller', '王小明', 'Zoë 🚚📦', 'lone \ud800 surrogate']) {
      const data = snapshotData();
      const event = {
        eventId: 'E-1',
        orderId: ORDER_ID,
        channel: 'online',
        type: 'order_creation',
        erpVersion: 1,
        occurredAt: '2026-11-01T12:00:00.000Z',
        data: { ...data, customer: { ...data.customer, name } },
      } as OrderEvent;
      expect(eventBytes(event)).toBe(Buffer.byteLength(JSON.stringify(event), 'utf8'));
    }
  });
});
